"""ReportInput accepts the usual array types and names the bad field when input is wrong."""

from __future__ import annotations

import array
import dataclasses
from typing import Any

import numpy as np
import pytest

from tickwire.events import Fill, Side
from tickwire.report import ReportInput


def make(**overrides: Any) -> ReportInput:
    fields: dict[str, Any] = {
        "title": "t",
        "equity_ts_ns": [1, 2, 3],
        "equity": [100.0, 101.0, 99.0],
        "prices": {"X": ([1, 2, 3], [10.0, 11.0, 12.0])},
        "fills": [],
        "statistics": {"sharpe": 1.0},
    }
    fields.update(overrides)
    return ReportInput(**fields)


def test_lists_array_array_and_numpy_are_all_accepted() -> None:
    make()
    make(equity_ts_ns=array.array("q", [1, 2, 3]), equity=array.array("d", [1.0, 2.0, 3.0]))
    make(equity_ts_ns=np.array([1, 2, 3], dtype=np.uint64), equity=np.array([1, 2, 3]))


def test_parameters_default_to_empty() -> None:
    assert dict(make().parameters) == {}


def fill(price: float = 10.0) -> Fill:
    return Fill(
        ts_event_ns=2, order_id="o", instrument="X", side=Side.BUY, quantity=1.0, price=price
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": 3}, r"ReportInput\.title"),
        ({"equity_ts_ns": [], "equity": []}, r"ReportInput\.equity: needs at least one point"),
        ({"equity": [1.0, 2.0]}, r"ReportInput\.equity: expected 3 values"),
        ({"equity_ts_ns": [1, 3, 2]}, r"ReportInput\.equity_ts_ns\[2\]: .*non-decreasing"),
        ({"equity_ts_ns": [1.0, 2.0, 3.0]}, r"ReportInput\.equity_ts_ns: expected integer"),
        ({"equity_ts_ns": [[1, 2, 3]]}, r"ReportInput\.equity_ts_ns: expected a 1-D"),
        ({"equity": [100.0, float("nan"), 1.0]}, r"ReportInput\.equity\[1\]: must be finite"),
        ({"equity": ["a", "b", "c"]}, r"ReportInput\.equity: expected numbers"),
        ({"equity": [0.0, 1.0, 2.0]}, r"ReportInput\.equity\[0\]: must be positive"),
        ({"prices": {"X": [1, 2]}}, r"ReportInput\.prices\['X'\]: expected a \(ts_ns, close\)"),
        ({"prices": {"": ([1], [1.0])}}, r"ReportInput\.prices\[''\]: instrument"),
        ({"prices": {"X": ([], [])}}, r"ReportInput\.prices\['X'\]: needs at least one price"),
        (
            {"prices": {"X": ([1, 2], [1.0, float("inf")])}},
            r"ReportInput\.prices\['X'\]\[1\] \(close\)\[1\]: must be finite",
        ),
        ({"fills": [fill(), "fill"]}, r"ReportInput\.fills\[1\]: expected a tickwire"),
        ({"fills": [fill(float("nan"))]}, r"ReportInput\.fills\[0\]: price and quantity"),
        ({"statistics": {"x": [1]}}, r"ReportInput\.statistics\['x'\]"),
        ({"parameters": {1: "a"}}, r"ReportInput\.parameters: keys must be str"),
    ],
)
def test_bad_input_names_the_field(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make(**overrides)


def test_replace_validates_the_new_value() -> None:
    data = make()
    assert dataclasses.replace(data, title="new").title == "new"
    with pytest.raises(ValueError, match=r"ReportInput\.equity: expected 3 values"):
        dataclasses.replace(data, equity=[1.0])
