"""Text forms of statistics, returns and dates."""

from __future__ import annotations

import pytest

from tickwire.report._format import format_date, format_percent, format_value, tone


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234, "1,234"),
        (True, "True"),
        (0.5417, "0.5417"),
        (-1.23456, "-1.2346"),
        (123456.789, "123,456.79"),
        (0.0, "0.0000"),
        (0.00001234, "1.234e-05"),
        (float("inf"), "inf"),
        ("ema", "ema"),
        ((1, 2), "(1, 2)"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


def test_format_percent() -> None:
    assert format_percent(0.0123) == "+1.23%"
    assert format_percent(-0.1) == "-10.00%"
    assert format_percent(0.25, decimals=0) == "+25%"
    assert format_percent(float("nan")) == "\u2013"


def test_format_date_drops_midnight() -> None:
    assert format_date(1_609_459_200_000_000_000) == "2021-01-01"
    assert format_date(1_609_459_200_000_000_000 + 90 * 60 * 10**9) == "2021-01-01 01:30"


def test_tone() -> None:
    assert [tone(0.1), tone(-0.1), tone(0.0), tone(float("nan"))] == ["pos", "neg", "", ""]
