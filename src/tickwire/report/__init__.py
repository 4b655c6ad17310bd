"""Backtest reports: one self-contained HTML page plus the charts as PNG files.

For a finished backtest: ``backtest_report(engine, result, "out/run-42")``. Otherwise build
a :class:`ReportInput` and call :func:`write_report`::

    path = write_report(ReportInput(title=..., equity_ts_ns=..., equity=..., prices=...,
                                    fills=..., statistics=...), "out/run-42")

The page has zoomable charts (plotly.js, inlined: the file works offline), the trades
and fills (the first rows; all of them in CSV files beside it), the run's settings, a
buy-and-hold benchmark, the strategy's plotted series and labelled statistics.

The computations behind the page are pure functions, usable on their own. Returns and
drawdowns come in as fractions (a drawdown 0 or negative) and are shown as signed
percentages; :func:`format_percent` is that text form, for statistics handed in as text.
"""

from tickwire.report._backtest import backtest_report, backtest_report_input
from tickwire.report._downsample import last_per_bucket, minmax_per_bucket
from tickwire.report._format import format_percent
from tickwire.report._input import (
    PriceSeries,
    ReportInput,
    RunSettings,
    TimestampsLike,
    ValuesLike,
)
from tickwire.report._metrics import MonthlyReturns, drawdown_series, monthly_returns
from tickwire.report._sweep import write_sweep_report
from tickwire.report._writer import MAX_PRICE_CHARTS, write_report

__all__ = [
    "MAX_PRICE_CHARTS",
    "MonthlyReturns",
    "PriceSeries",
    "ReportInput",
    "RunSettings",
    "TimestampsLike",
    "ValuesLike",
    "backtest_report",
    "backtest_report_input",
    "drawdown_series",
    "format_percent",
    "last_per_bucket",
    "minmax_per_bucket",
    "monthly_returns",
    "write_report",
    "write_sweep_report",
]
