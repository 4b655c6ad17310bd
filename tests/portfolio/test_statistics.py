"""Statistics of equity curves and trades, checked against hand and numpy computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.events import Side
from tickwire.portfolio import RoundTrip, compute_statistics
from tickwire.portfolio.statistics import (
    NS_PER_YEAR,
    Annualisation,
    infer_periods_per_year,
    max_drawdown,
    session_periods_per_year,
    trade_statistics,
)

DAY = 86_400 * 1_000_000_000


def trade(pnl: float) -> RoundTrip:
    return RoundTrip(
        instrument="X",
        side=Side.BUY,
        quantity=1.0,
        entry_ts_ns=0,
        entry_price=100.0,
        exit_ts_ns=1,
        exit_price=100.0 + pnl,
        gross_pnl=pnl,
        commission=0.0,
        pnl=pnl,
        return_fraction=pnl / 100.0,
        bars=1,
    )


def test_hand_worked_curve() -> None:
    ts = [0, DAY, 2 * DAY, 3 * DAY]
    eq = [100.0, 110.0, 99.0, 120.0]
    stats = compute_statistics(ts, eq, periods_per_year=252)
    assert stats.total_return == pytest.approx(0.2)
    assert stats.max_drawdown == pytest.approx(-0.1)
    # Peak at point 1, back above it at point 3.
    assert stats.max_drawdown_bars == 2
    assert stats.max_drawdown_duration_ns == 2 * DAY
    returns = np.array([0.1, -0.1, 120.0 / 99.0 - 1.0])
    assert stats.sharpe == pytest.approx(returns.mean() / returns.std(ddof=1) * math.sqrt(252))
    downside = math.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))
    assert stats.sortino == pytest.approx(returns.mean() / downside * math.sqrt(252))
    assert stats.volatility == pytest.approx(returns.std(ddof=1) * math.sqrt(252))
    assert stats.bars == 4
    assert math.isnan(stats.exposure)
    assert stats.trades == 0
    assert math.isnan(stats.win_rate)


def test_cagr_over_exactly_one_year() -> None:
    stats = compute_statistics([0, int(NS_PER_YEAR)], [100.0, 150.0])
    assert stats.cagr == pytest.approx(0.5)
    two_years = compute_statistics([0, int(2 * NS_PER_YEAR)], [100.0, 121.0])
    assert two_years.cagr == pytest.approx(0.1)


def test_initial_equity_counts_as_the_first_point() -> None:
    stats = compute_statistics([DAY, 2 * DAY], [95.0, 100.0], initial_equity=100.0)
    assert stats.start_equity == 100.0
    assert stats.total_return == 0.0
    assert stats.max_drawdown == pytest.approx(-0.05)
    assert stats.bars == 2


def test_unrecovered_drawdown_lasts_to_the_end() -> None:
    dd = max_drawdown([10.0, 12.0, 6.0, 9.0], [0, 1, 2, 5])
    assert dd.drawdown == pytest.approx(-0.5)
    assert (dd.peak_index, dd.trough_index, dd.recovery_index) == (1, 2, None)
    assert (dd.duration_bars, dd.duration_ns) == (2, 4)


def test_rising_curve_has_no_drawdown_and_infinite_sortino() -> None:
    stats = compute_statistics([0, DAY, 2 * DAY, 3 * DAY], [1.0, 2.0, 3.0, 4.0])
    assert stats.max_drawdown == 0.0
    assert stats.max_drawdown_bars == 0
    assert stats.sortino == math.inf


def test_flat_curve_has_undefined_ratios() -> None:
    stats = compute_statistics([0, DAY, 2 * DAY], [5.0, 5.0, 5.0])
    assert math.isnan(stats.sharpe)
    assert math.isnan(stats.sortino)
    assert stats.total_return == 0.0


def test_periods_per_year_from_median_spacing() -> None:
    minute = 60 * 1_000_000_000
    # A weekend gap does not move the median.
    ts = [0, DAY, 2 * DAY, 5 * DAY, 6 * DAY]
    assert infer_periods_per_year(ts) == pytest.approx(365.25)
    assert infer_periods_per_year(np.arange(10) * minute) == pytest.approx(365.25 * 24 * 60)
    assert math.isnan(infer_periods_per_year([7]))
    assert compute_statistics(ts, [1.0] * 5).periods_per_year == pytest.approx(365.25)


def test_trade_statistics_by_hand() -> None:
    got = trade_statistics([trade(10.0), trade(-5.0), trade(20.0), trade(-5.0)])
    assert got == {"trades": 4, "win_rate": 0.5, "profit_factor": 3.0, "avg_trade_pnl": 5.0}
    assert trade_statistics([trade(1.0)])["profit_factor"] == math.inf


def test_exposure_fraction_and_length_check() -> None:
    stats = compute_statistics([0, 1, 2, 3], [1.0] * 4, exposed=bytearray([0, 1, 1, 0]))
    assert stats.exposure == 0.5
    with pytest.raises(ValueError, match="exposure"):
        compute_statistics([0, 1], [1.0, 1.0], exposed=bytearray([1]))


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="2 equity points but 3 timestamps"):
        compute_statistics([0, 1, 2], [1.0, 2.0])


def test_empty_curve() -> None:
    stats = compute_statistics([], [])
    assert stats.bars == 0
    assert stats.max_drawdown == 0.0
    assert math.isnan(stats.total_return)


def test_to_dict_is_plain() -> None:
    d = compute_statistics([0, DAY], [1.0, 2.0], [trade(1.0)]).to_dict()
    assert d["trades"] == 1
    assert d["total_return"] == 1.0
    assert isinstance(d, dict)


@given(st.lists(st.floats(1.0, 1e6), min_size=1, max_size=100))
def test_max_drawdown_matches_brute_force(eq: list[float]) -> None:
    expected = min(eq[i] / max(eq[: i + 1]) - 1.0 for i in range(len(eq)))
    got = max_drawdown(eq, list(range(len(eq))))
    assert got.drawdown == pytest.approx(expected)
    assert -1.0 < got.drawdown <= 0.0
    assert got.peak_index <= got.trough_index


@given(
    st.lists(st.floats(min_value=1.0, max_value=1e6), min_size=1, max_size=40),
    st.floats(min_value=1.0, max_value=1e6),
    st.lists(st.integers(min_value=1, max_value=DAY), min_size=40, max_size=40),
)
def test_initial_equity_counts_as_a_point_at_the_first_time(
    equity: list[float], initial: float, steps: list[int]
) -> None:
    ts = np.cumsum(steps[: len(equity)])
    stats = compute_statistics(ts, equity, initial_equity=initial, periods_per_year=252)
    # The same as spelling the initial point out, at the first bar's time.
    whole = max_drawdown([initial, *equity], [int(ts[0]), *ts.tolist()])
    assert stats.max_drawdown == whole.drawdown
    assert stats.max_drawdown_bars == whole.duration_bars
    assert stats.max_drawdown_duration_ns == whole.duration_ns
    assert stats.start_equity == initial


def test_median_spacing_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    ts = [0, 10, 30, 60, 100]  # steps 10, 20, 30, 40: median 25
    assert infer_periods_per_year(ts) == pytest.approx(NS_PER_YEAR / 25)
    # A step back is left out: 10 and 35 remain.
    assert infer_periods_per_year([0, 10, 5, 40]) == pytest.approx(NS_PER_YEAR / 22.5)


HOUR = 3_600 * 1_000_000_000
MINUTE = 60 * 1_000_000_000


def _weekdays(years: int) -> np.ndarray:
    # 2024-01-01 is a Monday; every Monday to Friday for ``years`` years.
    start = 1_704_067_200 * 1_000_000_000
    days = np.arange(int(365.25 * years))
    return start + days[(days % 7) < 5] * DAY


def test_daily_weekday_bars_annualise_by_trading_days_not_calendar_days() -> None:
    ts = _weekdays(3)
    found = session_periods_per_year(ts)
    assert found.basis == "sessions"
    assert found.bars_per_day == 1.0
    assert found.periods_per_year == pytest.approx(365.25 * 5 / 7, rel=0.01)  # ~261, not 365
    stats = compute_statistics(ts, np.linspace(100.0, 120.0, ts.size) + np.sin(np.arange(ts.size)))
    assert stats.annualisation == "sessions"
    assert stats.periods_per_year == pytest.approx(found.periods_per_year)
    assert "1.0 bars per trading day" in found.describe()


def test_intraday_session_bars_count_only_the_hours_traded() -> None:
    session = 9 * HOUR + 30 * MINUTE + np.arange(390) * MINUTE  # 09:30 to 16:00
    ts = (_weekdays(1)[:, None] + session[None, :]).ravel()
    found = session_periods_per_year(ts)
    assert found.bars_per_day == 390
    assert found.periods_per_year == pytest.approx(390 * 365.25 * 5 / 7, rel=0.01)
    # The median spacing alone would have said a minute of calendar time: 525,960 a year.
    assert infer_periods_per_year(ts) == pytest.approx(525_960)


def test_round_the_clock_hourly_bars_keep_every_hour() -> None:
    ts = np.arange(24 * 400) * HOUR
    assert session_periods_per_year(ts).periods_per_year == pytest.approx(8_766, rel=0.001)


def test_short_data_falls_back_to_the_bar_spacing() -> None:
    ts = np.arange(60) * MINUTE
    found = session_periods_per_year(ts)
    assert found.basis == "bar spacing"
    assert found.periods_per_year == pytest.approx(525_960)
    assert "median bar spacing" in found.describe()


def test_given_periods_per_year_are_used_and_said_so() -> None:
    ts = _weekdays(1)
    stats = compute_statistics(ts, np.linspace(1.0, 2.0, ts.size), periods_per_year=252)
    assert stats.periods_per_year == 252
    assert stats.annualisation == "given"
    assert Annualisation(252, "given").describe() == (
        "annualised by \u221a252.0 periods per year (given)"
    )


def test_statistic_names_are_stable() -> None:
    # The --json output and recorded runs use these keys; new keys go at the end.
    keys = list(compute_statistics([0, DAY], [1.0, 2.0]).to_dict())
    assert keys[:17] == [
        "start_equity",
        "end_equity",
        "total_return",
        "cagr",
        "sharpe",
        "sortino",
        "volatility",
        "max_drawdown",
        "max_drawdown_bars",
        "max_drawdown_duration_ns",
        "exposure",
        "trades",
        "win_rate",
        "profit_factor",
        "avg_trade_pnl",
        "periods_per_year",
        "bars",
    ]
    assert keys[17:] == ["annualisation"]


def test_the_initial_equity_counts_as_a_point_before_the_curve_without_copying_it() -> None:
    """Statistics with ``initial_equity`` equal those of the curve with it put in front."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(3, 60))
        ts = np.cumsum(rng.integers(1, 10**11, n)).astype(np.int64)
        eq = 100 * np.exp(np.cumsum(rng.normal(0, 0.05, n)))
        initial = float(rng.choice([100.0, 150.0, 60.0]))
        given = compute_statistics(ts, eq, initial_equity=initial, periods_per_year=252)
        front = compute_statistics(
            np.concatenate((ts[:1], ts)), np.concatenate(([initial], eq)), periods_per_year=252
        )
        assert (given.sharpe, given.sortino, given.volatility) == pytest.approx(
            (front.sharpe, front.sortino, front.volatility), rel=1e-12
        )
        assert given.max_drawdown == front.max_drawdown
        assert given.max_drawdown_bars == front.max_drawdown_bars
        assert given.total_return == pytest.approx(front.total_return, rel=1e-12)
