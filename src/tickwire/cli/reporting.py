"""Building the HTML report's input from a backtest result and its data source."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from tickwire.backtest import BacktestResult
from tickwire.report import ReportInput

__all__ = ["report_input"]

_PERCENT = {"total_return", "cagr", "volatility", "max_drawdown", "exposure", "win_rate"}
_NS_PER_DAY = 86_400 * 1_000_000_000


def report_input(result: BacktestResult, source: Any) -> ReportInput:
    """The report for ``result``; closes per instrument are read again from ``source``
    (anything with ``chunks()``), so the backtest loop never has to keep them."""
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
    statistics = {
        key: _readable(key, value)
        for key, value in result.statistics.items()
        if isinstance(value, (int, float, str))
    }
    return ReportInput(
        title=f"{result.strategy} backtest",
        equity_ts_ns=np.frombuffer(curve.timestamps, dtype=np.int64),
        equity=np.frombuffer(curve.equity, dtype=np.float64),
        prices=prices,
        fills=result.fills,
        statistics=statistics,
        parameters=result.parameters,
    )


def _readable(key: str, value: float | int | str) -> float | int | str:
    """Fractions as percentages and nanosecond durations in days, for people."""
    if isinstance(value, str) or not math.isfinite(value):
        return value
    if key in _PERCENT:
        return f"{value:.2%}"
    if key.endswith("_duration_ns"):
        return f"{value / _NS_PER_DAY:,.1f} days"
    return value
