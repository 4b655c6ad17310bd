"""Building the HTML report's input from a backtest result and its data source."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from tickwire.backtest import BacktestResult
from tickwire.report import ReportInput, format_percent

__all__ = ["report_input"]

# Statistics that are fractions (see tickwire.portfolio): returns and drawdowns shown
# signed, as the report's headline cards show them, the others without a sign.
_SIGNED_FRACTIONS = {"total_return", "cagr", "max_drawdown"}
_FRACTIONS = {"volatility", "exposure", "win_rate"}
_NS_PER_DAY = 86_400 * 1_000_000_000


def report_input(result: BacktestResult, source: Any) -> ReportInput:
    """The report for ``result``; closes per instrument are read again from ``source``
    (anything with ``chunks()``), so the backtest loop never has to keep them.

    The equity series starts with the initial cash at the first bar's time, as the
    statistics count it, so the page's headline figures and its statistics agree.
    """
    ts_parts: dict[str, list[Any]] = defaultdict(list)
    close_parts: dict[str, list[Any]] = defaultdict(list)
    for chunk in source.chunks():
        for name in np.unique(chunk.instrument):
            rows = chunk.instrument == name
            ts_parts[str(name)].append(chunk.ts[rows])
            close_parts[str(name)].append(chunk.close[rows])
    prices = {
        name: (np.concatenate(ts_parts[name]), np.concatenate(close_parts[name]))
        for name in ts_parts
    }
    curve = result.portfolio.curve
    equity_ts = np.frombuffer(curve.timestamps, dtype=np.int64)
    equity = np.frombuffer(curve.equity, dtype=np.float64)
    if equity.size:
        equity_ts = np.concatenate((equity_ts[:1], equity_ts))
        equity = np.concatenate(([result.initial_cash], equity))
    statistics = {
        key: _readable(key, value)
        for key, value in result.statistics.to_dict().items()
        if isinstance(value, (int, float, str))
    }
    return ReportInput(
        title=f"{result.strategy} backtest",
        equity_ts_ns=equity_ts,
        equity=equity,
        prices=prices,
        fills=result.fills,
        statistics=statistics,
        parameters=result.parameters,
    )


def _readable(key: str, value: float | int | str) -> float | int | str:
    """Fractions as percentages and nanosecond durations in days, for people."""
    if isinstance(value, str) or not math.isfinite(value):
        return value
    if key in _SIGNED_FRACTIONS:
        return format_percent(value)
    if key in _FRACTIONS:
        return format_percent(value, signed=False)
    if key.endswith("_duration_ns"):
        return f"{value / _NS_PER_DAY:,.1f} days"
    return value
