"""Statistics are shown with labels and units, never as raw keys or nanoseconds."""

from __future__ import annotations

import math

from tickwire.portfolio import compute_statistics
from tickwire.report._statistics import (
    format_duration,
    format_statistic,
    label_of,
    readable_statistics,
)

DAY = 86_400 * 1_000_000_000


def test_durations_in_readable_units() -> None:
    assert format_duration(991 * DAY) == "991 d"
    assert format_duration(3 * DAY + 4 * 3_600 * 10**9) == "3 d 4 h"
    assert format_duration(2 * 3_600 * 10**9 + 5 * 60 * 10**9) == "2 h 05 min"
    assert format_duration(90 * 10**9) == "1 min 30 s"
    assert format_duration(45 * 10**9) == "45 s"


def test_every_statistic_has_a_label() -> None:
    stats = compute_statistics([0, DAY, 2 * DAY], [100.0, 90.0, 120.0]).to_dict()
    shown = readable_statistics(stats)
    assert len(shown) == len(stats)
    assert all("_" not in label for label in shown)
    assert shown["Max drawdown"] == "-10.00%"
    assert shown["Total return"] == "+20.00%"
    assert shown["Sharpe ratio (annualised, risk-free 0)"] == f"{stats['sharpe']:.2f}"


def test_unknown_keys_and_text_pass_through() -> None:
    assert label_of("my_figure") == "my figure"
    assert format_statistic("my_figure", 0.5) == "0.5000"
    assert format_statistic("max_drawdown", "-5%") == "-5%"
    assert format_statistic("sharpe", math.nan) == "nan"
