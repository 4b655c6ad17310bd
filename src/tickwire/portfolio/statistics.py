"""Performance statistics of an equity curve and its round trips.

Returns, rates, exposure and drawdowns are fractions (0.05 is 5 %); a drawdown is the
return from the running peak, so it is 0 or negative. Undefined ratios are NaN (a
Sharpe ratio of a flat curve, a win rate without trades); a profit factor or Sortino
ratio without any loss is infinite.

Ratios are annualised by the square root of the periods per year. By default that is
counted from the trading sessions in the data (bars per trading day times trading days
per year, :func:`session_periods_per_year`), so daily stock bars give about 252 and
24/7 hourly bars 8,766; a caller may give it instead (``periods_per_year=``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tickwire.portfolio.trades import RoundTrip

__all__ = [
    "NS_PER_DAY",
    "NS_PER_YEAR",
    "Annualisation",
    "Drawdown",
    "Statistics",
    "compute_statistics",
    "infer_periods_per_year",
    "max_drawdown",
    "session_periods_per_year",
    "trade_statistics",
]

NS_PER_YEAR = 365.25 * 86_400 * 1_000_000_000
"""A Julian year in nanoseconds: the unit of CAGR and of the inferred periods per year."""
NS_PER_DAY = 86_400 * 1_000_000_000
"""A UTC calendar day in nanoseconds: a bar's trading day is its UTC date."""

_MIN_SESSION_SPAN_NS = 7 * NS_PER_DAY
"""Shorter data cannot show a week's sessions (weekends, holidays): below this, and with
fewer than two trading days, the periods per year come from the bar spacing instead."""


@dataclass(frozen=True, slots=True)
class Drawdown:
    """The deepest fall of an equity curve from a running peak."""

    drawdown: float
    """The return from the peak to the trough, a fraction 0 or below (-0.25: a quarter of
    the peak lost); 0.0 for a curve never below its running peak."""
    peak_index: int
    trough_index: int
    recovery_index: int | None
    """First point back at the peak, or None if it never recovered."""
    duration_bars: int
    """Points from the peak to the recovery, or to the last point if none."""
    duration_ns: int
    """Time from the peak to the recovery, or to the last point if none."""


@dataclass(frozen=True, slots=True)
class Statistics:
    """Summary of a run (fractions, not percent). ``to_dict`` gives a plain dict."""

    start_equity: float
    end_equity: float
    total_return: float
    """``end_equity / start_equity - 1``, a fraction (0.12: a 12 % gain)."""
    cagr: float
    """Compound annual growth over the curve's time span, a fraction (NaN for a zero
    span)."""
    sharpe: float
    """Annualised mean over standard deviation of per-point returns (risk-free 0)."""
    sortino: float
    """Annualised mean over downside deviation of per-point returns (risk-free 0)."""
    volatility: float
    """Annualised standard deviation of per-point returns, a fraction."""
    max_drawdown: float
    """The worst return from a running peak, a fraction 0 or below (-0.064: 6.4 % below
    the peak); an ``initial_equity`` counts as the first peak."""
    max_drawdown_bars: int
    """Points from that peak to its recovery, or to the last point if none."""
    max_drawdown_duration_ns: int
    """Time from that peak to its recovery, or to the last point if none."""
    exposure: float
    """Fraction of points with an open position."""
    trades: int
    """Closed round trips."""
    win_rate: float
    """Fraction of round trips with a positive net PnL."""
    profit_factor: float
    """Net profit of winning round trips over the net loss of losing ones."""
    avg_trade_pnl: float
    """Mean net PnL of a round trip."""
    periods_per_year: float
    """Points per year the ratios are annualised with."""
    bars: int
    """Equity points (distinct bar times)."""
    annualisation: str = "given"
    """Where ``periods_per_year`` came from: 'sessions' (counted from the trading days in
    the data), 'bar spacing' (the median spacing over calendar time, for data too short
    to show its sessions) or 'given' (by the caller)."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Annualisation:
    """How many periods make a year for the ratios, and how that number was found."""

    periods_per_year: float
    basis: str
    """'sessions', 'bar spacing' or 'given' (see :attr:`Statistics.annualisation`)."""
    bars_per_day: float = math.nan
    """Bars per trading day (a UTC date with at least one bar); NaN unless 'sessions'."""
    days_per_year: float = math.nan
    """Trading days per year in the data; NaN unless 'sessions'."""

    def describe(self) -> str:
        """One line for people: the number used and where it came from."""
        if not math.isfinite(self.periods_per_year):
            return "not annualised (too few points)"
        used = f"\u221a{self.periods_per_year:,.1f} periods per year"
        if self.basis == "sessions":
            return (
                f"annualised by {used} ({self.bars_per_day:,.1f} bars per trading day "
                f"\u00d7 {self.days_per_year:,.1f} trading days per year, counted from the data)"
            )
        if self.basis == "bar spacing":
            return f"annualised by {used} (median bar spacing over calendar time)"
        return f"annualised by {used} (given)"


_DAY_BLOCK = 1 << 16
"""Points per block when counting trading days."""


def session_periods_per_year(timestamps: npt.ArrayLike) -> Annualisation:
    """Periods per year counted from the trading sessions present in ``timestamps``.

    A trading day is a UTC date with at least one bar. Periods per year are the bar
    steps per year of the data's span, which is bars per trading day times trading days
    per year: nights, weekends and holidays without bars do not count, as they do when
    the median spacing is scaled to calendar time. Data shorter than a week (or within
    one day) falls back to :func:`infer_periods_per_year`.
    """
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.size < 2:
        return Annualisation(math.nan, "bar spacing")
    span = int(ts[-1]) - int(ts[0])
    # Counted a block at a time (each block overlapping the last by a point): the days of
    # a whole curve of millions of bars would be a temporary of 8 bytes a bar.
    trading_days = 1
    for start in range(0, ts.size - 1, _DAY_BLOCK):
        days = ts[start : start + _DAY_BLOCK + 1] // NS_PER_DAY
        trading_days += int(np.count_nonzero(days[1:] != days[:-1]))
    if span < _MIN_SESSION_SPAN_NS or trading_days < 2:
        return Annualisation(infer_periods_per_year(ts), "bar spacing")
    # Bar-to-bar steps per year of the span: nights and weekends without bars are not
    # steps, so they do not count (a step across one is a period like any other).
    periods = (ts.size - 1) / (span / NS_PER_YEAR)
    bars_per_day = ts.size / trading_days
    return Annualisation(periods, "sessions", bars_per_day, periods / bars_per_day)


def infer_periods_per_year(timestamps: npt.ArrayLike) -> float:
    """Points per year implied by the median spacing of ``timestamps`` (NaN if unknown)."""
    ts = np.asarray(timestamps, dtype=np.int64)
    if ts.size < 2:
        return math.nan
    steps = np.diff(ts)
    rising = steps > 0
    if not rising.all():
        steps = steps[rising]
    if steps.size == 0:
        return math.nan
    del rising
    # Sorted in place (the steps are a temporary): np.median would sort a copy.
    steps.sort()
    middle = steps.size // 2
    median = float(steps[middle])
    if steps.size % 2 == 0:
        median = (float(steps[middle - 1]) + median) / 2
    return NS_PER_YEAR / median


def max_drawdown(equity: npt.ArrayLike, timestamps: npt.ArrayLike) -> Drawdown:
    """The maximum drawdown of ``equity`` and how long it lasted."""
    eq = np.asarray(equity, dtype=np.float64)
    ts = np.asarray(timestamps, dtype=np.int64)
    if eq.size != ts.size:
        raise ValueError(f"max_drawdown: {eq.size} equity points but {ts.size} timestamps")
    return _drawdown(eq, ts, None)


def _drawdown(
    eq: npt.NDArray[np.float64], ts: npt.NDArray[np.int64], initial: float | None
) -> Drawdown:
    """:func:`max_drawdown` of ``initial`` (when given, at the first time) followed by
    ``eq``, without copying ``eq``: indices count ``initial`` as point 0."""
    lead = 0 if initial is None else 1
    if eq.size == 0:
        return Drawdown(0.0, 0, 0, None, 0, 0)
    peaks = np.maximum.accumulate(eq)
    if initial is not None:
        np.maximum(peaks, initial, out=peaks)
    # ``equity / peak - 1`` as the report and ``equity_frame`` compute it, so that all
    # agree to the bit; computed into the peaks' own array, as a curve of millions of
    # points must not need several copies at once.
    unusable = ~(peaks > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        below = np.divide(eq, peaks, out=peaks)
    below -= 1.0
    below[unusable] = 0.0
    del unusable
    at = int(np.argmin(below))
    worst = float(below[at])
    if worst >= 0.0:
        return Drawdown(0.0, 0, 0, None, 0, 0)
    high = float(eq[: at + 1].max())
    if initial is not None and initial >= high:
        high, peak = initial, 0
    else:
        peak = int(np.argmax(eq[: at + 1] == high)) + lead
    trough = at + lead
    recovered = eq[at:] >= high
    recovery = trough + int(np.argmax(recovered)) if recovered.any() else None
    end = recovery if recovery is not None else eq.size - 1 + lead
    return Drawdown(
        drawdown=worst,
        peak_index=peak,
        trough_index=trough,
        recovery_index=recovery,
        duration_bars=end - peak,
        duration_ns=int(ts[max(end - lead, 0)] - ts[max(peak - lead, 0)]),
    )


def trade_statistics(trades: Sequence[RoundTrip]) -> dict[str, float]:
    """Count, win rate, profit factor and mean net PnL of round trips."""
    n = len(trades)
    if n == 0:
        return {
            "trades": 0,
            "win_rate": math.nan,
            "profit_factor": math.nan,
            "avg_trade_pnl": math.nan,
        }
    pnls = [t.pnl for t in trades]
    profit = math.fsum(p for p in pnls if p > 0.0)
    loss = -math.fsum(p for p in pnls if p < 0.0)
    factor = profit / loss if loss > 0.0 else (math.inf if profit > 0.0 else math.nan)
    return {
        "trades": n,
        "win_rate": sum(1 for p in pnls if p > 0.0) / n,
        "profit_factor": factor,
        "avg_trade_pnl": math.fsum(pnls) / n,
    }


def _ratios(
    eq: npt.NDArray[np.float64], ppy: float, initial: float | None
) -> tuple[float, float, float]:
    if eq.size + (initial is not None) < 3 or not math.isfinite(ppy):
        return math.nan, math.nan, math.nan
    # In place where possible: a curve of millions of points must not need several
    # copies at once. With ``initial``, the first return is from it to the first point.
    lead = 0 if initial is None else 1
    returns = np.empty(eq.size - 1 + lead)
    with np.errstate(divide="ignore", invalid="ignore"):
        if initial is not None:
            returns[0] = eq[0] / initial if initial != 0.0 else math.nan
        np.divide(eq[1:], eq[:-1], out=returns[lead:])
    returns -= 1.0
    finite = np.isfinite(returns)
    if not finite.all():
        returns = returns[finite]
    del finite
    if returns.size < 2:
        return math.nan, math.nan, math.nan
    scale = math.sqrt(ppy)
    mean = float(returns.mean())
    std = float(returns.std(ddof=1))
    sharpe = mean / std * scale if std > 0.0 else math.nan
    np.minimum(returns, 0.0, out=returns)
    np.square(returns, out=returns)
    downside = math.sqrt(float(returns.mean()))
    no_downside = math.inf if mean > 0.0 else math.nan
    sortino = mean / downside * scale if downside > 0.0 else no_downside
    return sharpe, sortino, std * scale


def compute_statistics(
    timestamps: npt.ArrayLike,
    equity: npt.ArrayLike,
    trades: Sequence[RoundTrip] = (),
    *,
    exposed: Sequence[int] | None = None,
    initial_equity: float | None = None,
    periods_per_year: float | None = None,
) -> Statistics:
    """Statistics of an equity curve (one point per bar time) and its round trips.

    ``initial_equity`` (the starting cash) counts as a point just before the first one,
    so a first-bar commission or loss shows in the returns and the drawdown.
    ``periods_per_year`` defaults to the one counted from the trading sessions in
    ``timestamps`` (:func:`session_periods_per_year`).
    """
    ts = np.asarray(timestamps, dtype=np.int64)
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size != ts.size:
        raise ValueError(f"compute_statistics: {eq.size} equity points but {ts.size} timestamps")
    bars = int(eq.size)
    if periods_per_year is None:
        found = session_periods_per_year(ts)
        ppy, basis = found.periods_per_year, found.basis
    else:
        ppy, basis = float(periods_per_year), "given"
    # The initial equity counts as a point at the first bar's time, without copying the
    # curve to put it in front.
    initial = float(initial_equity) if initial_equity is not None and bars else None
    start = initial if initial is not None else (float(eq[0]) if eq.size else math.nan)
    end = float(eq[-1]) if eq.size else math.nan
    total = end / start - 1.0 if start > 0.0 else math.nan
    years = float(ts[-1] - ts[0]) / NS_PER_YEAR if ts.size else 0.0
    if years > 0.0 and start > 0.0:
        try:
            cagr = (end / start) ** (1.0 / years) - 1.0 if end > 0.0 else -1.0
        except OverflowError:  # a span of seconds annualises beyond the float range
            cagr = math.inf
    else:
        cagr = math.nan
    sharpe, sortino, vol = _ratios(eq, ppy, initial)
    dd = _drawdown(eq, ts, initial)
    exposure = math.nan
    if exposed is not None and bars:
        if len(exposed) != bars:
            raise ValueError(f"compute_statistics: {len(exposed)} exposure flags for {bars} points")
        exposure = float(np.count_nonzero(np.asarray(exposed, dtype=np.uint8))) / bars
    trade_stats = trade_statistics(trades)
    return Statistics(
        start_equity=start,
        end_equity=end,
        total_return=total,
        cagr=cagr,
        sharpe=sharpe,
        sortino=sortino,
        volatility=vol,
        max_drawdown=dd.drawdown,
        max_drawdown_bars=dd.duration_bars,
        max_drawdown_duration_ns=dd.duration_ns,
        exposure=exposure,
        trades=int(trade_stats["trades"]),
        win_rate=trade_stats["win_rate"],
        profit_factor=trade_stats["profit_factor"],
        avg_trade_pnl=trade_stats["avg_trade_pnl"],
        periods_per_year=ppy,
        bars=bars,
        annualisation=basis,
    )
