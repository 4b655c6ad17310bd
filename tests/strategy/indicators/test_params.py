"""Every indicator rejects bad parameters with a ConfigError (a ValueError) naming itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tickwire.strategy.indicators as ind
from tickwire import ConfigError

FACTORIES: list[tuple[str, Callable[[Any], object]]] = [
    ("SMA", ind.SMA),
    ("EMA", ind.EMA),
    ("RSI", ind.RSI),
    ("ATR", ind.ATR),
    ("BollingerBands", ind.BollingerBands),
    ("RollingHigh", ind.RollingHigh),
    ("RollingLow", ind.RollingLow),
    ("SupportResistance", ind.SupportResistance),
]


@pytest.mark.parametrize(("name", "factory"), FACTORIES)
@pytest.mark.parametrize("period", [0, -1, 2.5, True, "3", None, np.float64(3.0)])
def test_bad_period_raises(name: str, factory: Callable[[Any], object], period: Any) -> None:
    # Untyped callers (a grid read from a file, a notebook) get the check's clear error,
    # not a TypeError from the compiled signature.
    with pytest.raises(ConfigError, match=f"{name}: .* must be"):
        factory(period)


@pytest.mark.parametrize(("name", "factory"), FACTORIES)
@pytest.mark.parametrize("period", [np.int64(3), np.int32(3), np.uint8(3)])
def test_numpy_int_periods_are_plain_ints(
    name: str, factory: Callable[[Any], Any], period: Any
) -> None:
    made = factory(period)
    got = made.width if name == "SupportResistance" else made.period
    assert type(got) is int and got == 3, name


@pytest.mark.parametrize("k", [-1.0, float("nan"), float("inf")])
def test_bollinger_bad_k(k: float) -> None:
    with pytest.raises(ValueError, match="k"):
        ind.BollingerBands(20, k)


@pytest.mark.parametrize("k", ["2", None, True])
def test_bollinger_k_must_be_a_number(k: Any) -> None:
    with pytest.raises(ConfigError, match="BollingerBands: k"):
        ind.BollingerBands(20, k)


def test_numpy_numbers_are_accepted() -> None:
    bands = ind.BollingerBands(np.int64(3), np.float32(1.5))
    assert (bands.period, bands.k) == (3, 1.5)
    levels = ind.SupportResistance(np.int16(2), np.float64(0.01), np.int64(4))
    assert (levels.width, levels.tolerance, levels.max_levels) == (2, 0.01, 4)
    ema = ind.EMA(3)
    assert ema.update(np.float64(2.0)) == 2.0


def test_support_resistance_bad_tolerance_and_max_levels() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        ind.SupportResistance(3, tolerance=-0.1)
    with pytest.raises(ValueError, match="max_levels"):
        ind.SupportResistance(3, max_levels=0)


@pytest.mark.parametrize(("name", "factory"), FACTORIES)
def test_indicators_are_slotted(name: str, factory: Callable[[Any], object]) -> None:
    instance = factory(3)
    assert not hasattr(instance, "__dict__"), name


def test_public_exports() -> None:
    assert sorted(ind.__all__) == sorted(
        [
            "ATR",
            "EMA",
            "RSI",
            "SMA",
            "BollingerBands",
            "Level",
            "RollingHigh",
            "RollingLow",
            "SupportResistance",
        ]
    )
