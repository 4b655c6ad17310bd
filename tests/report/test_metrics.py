"""Drawdown and monthly returns on hand-worked curves, plus their compounding properties."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.report import drawdown_series, monthly_returns

NAN = float("nan")


def ns(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000


def test_drawdown_on_a_hand_worked_curve() -> None:
    # Peaks run 100, 120, 120, 130, 130.
    result = drawdown_series([100.0, 120.0, 90.0, 130.0, 65.0])
    np.testing.assert_allclose(result, [0.0, 0.0, -0.25, 0.0, -0.5])


def test_drawdown_below_zero_equity_goes_past_minus_one() -> None:
    np.testing.assert_allclose(drawdown_series([100.0, 0.0, -20.0]), [0.0, -1.0, -1.2])


def test_drawdown_of_an_empty_curve_is_empty() -> None:
    assert drawdown_series([]).size == 0


@pytest.mark.parametrize("first", [0.0, -5.0])
def test_drawdown_needs_a_positive_start(first: float) -> None:
    with pytest.raises(ValueError, match=r"equity\[0\]"):
        drawdown_series([first, 10.0])


def test_monthly_returns_on_a_hand_worked_curve() -> None:
    ts = [
        ns(2021, 1, 5),
        ns(2021, 1, 31, 23, 59),
        ns(2021, 2, 10),
        ns(2021, 2, 28),
        ns(2021, 4, 15),  # no point in March
        ns(2022, 1, 3),
    ]
    equity = [100.0, 110.0, 99.0, 121.0, 133.1, 119.79]
    result = monthly_returns(ts, equity)

    assert result.years == (2021, 2022)
    expected = np.full((2, 12), NAN)
    expected[0, 0] = 0.10  # 110 / 100 (the first point is the base of the first month)
    expected[0, 1] = 0.10  # 121 / 110: the mid-month dip to 99 does not matter
    expected[0, 3] = 0.10  # 133.1 / 121: March has no data, so April carries the change
    expected[1, 0] = -0.10  # 119.79 / 133.1
    np.testing.assert_allclose(result.table, expected)
    np.testing.assert_allclose(result.year_totals, [0.331, -0.10])


def test_a_point_at_midnight_on_the_first_belongs_to_the_new_month() -> None:
    last_jan_ns = ns(2021, 2, 1) - 1
    result = monthly_returns([ns(2021, 1, 1), last_jan_ns, ns(2021, 2, 1)], [100.0, 50.0, 75.0])
    np.testing.assert_allclose(result.table[0, :2], [-0.5, 0.5])


def test_a_year_without_data_is_a_row_of_gaps() -> None:
    result = monthly_returns([ns(2020, 12, 1), ns(2022, 1, 10)], [100.0, 150.0])
    assert result.years == (2020, 2021, 2022)
    assert np.isnan(result.table[1]).all()
    assert math.isnan(result.year_totals[1])
    assert result.table[2, 0] == pytest.approx(0.5)
    assert result.year_totals[0] == 0.0


def test_a_month_starting_from_non_positive_equity_has_no_return() -> None:
    result = monthly_returns([ns(2021, 1, 1), ns(2021, 2, 1), ns(2021, 3, 1)], [100.0, 0.0, 10.0])
    assert result.table[0, 0] == 0.0
    assert result.table[0, 1] == pytest.approx(-1.0)
    assert math.isnan(result.table[0, 2])
    assert result.year_totals[0] == pytest.approx(-0.9)  # the year compares its end with start


def test_empty_curve_has_no_years() -> None:
    result = monthly_returns([], [])
    assert result.years == ()
    assert result.table.shape == (0, 12)


def test_monthly_returns_reject_time_running_backwards() -> None:
    with pytest.raises(ValueError, match=r"ts_ns\[2\] is before ts_ns\[1\]"):
        monthly_returns([1, 3, 2], [1.0, 1.0, 1.0])


def test_monthly_returns_reject_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        monthly_returns([1, 2], [1.0])


_DAY_NS = 86_400 * 1_000_000_000


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=40 * _DAY_NS),
            st.floats(min_value=1.0, max_value=1e6),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_months_and_years_compound_to_the_whole_period(points: list[tuple[int, float]]) -> None:
    ts = np.cumsum([gap for gap, _ in points]) + ns(2019, 11, 20)
    equity = np.array([value for _, value in points])
    result = monthly_returns(ts, equity)
    whole = equity[-1] / equity[0]
    months = result.table[np.isfinite(result.table)]
    assert np.prod(1.0 + months) == pytest.approx(whole, rel=1e-9)
    years = result.year_totals[np.isfinite(result.year_totals)]
    assert np.prod(1.0 + years) == pytest.approx(whole, rel=1e-9)


@given(st.lists(st.floats(min_value=0.01, max_value=1e9), min_size=1, max_size=200))
def test_drawdown_rebuilds_equity_from_the_running_peak(values: list[float]) -> None:
    equity = np.array(values)
    result = drawdown_series(equity)
    peaks = np.maximum.accumulate(equity)
    assert (result <= 0.0).all()
    assert (result[equity == peaks] == 0.0).all()
    # Error relative to the peak: a deep drawdown is a small difference of large numbers.
    assert (np.abs(peaks * (1.0 + result) - equity) <= 1e-12 * peaks).all()
