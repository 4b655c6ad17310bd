"""Backtest reports: one self-contained HTML page plus the charts as PNG files.

Build a :class:`ReportInput` from a finished run and call :func:`write_report`::

    path = write_report(ReportInput(title=..., equity_ts_ns=..., equity=..., prices=...,
                                    fills=..., statistics=...), "out/run-42")

The computations behind the page are pure functions, usable on their own. Returns and
drawdowns come in as fractions (a drawdown 0 or negative) and are shown as signed
percentages; :func:`format_percent` is that text form, for statistics handed in as text.
"""

from tickwire.report._downsample import last_per_bucket, minmax_per_bucket
from tickwire.report._format import format_percent
from tickwire.report._input import PriceSeries, ReportInput, TimestampsLike, ValuesLike
from tickwire.report._metrics import MonthlyReturns, drawdown_series, monthly_returns
from tickwire.report._writer import MAX_PRICE_CHARTS, write_report

__all__ = [
    "MAX_PRICE_CHARTS",
    "MonthlyReturns",
    "PriceSeries",
    "ReportInput",
    "TimestampsLike",
    "ValuesLike",
    "drawdown_series",
    "format_percent",
    "last_per_bucket",
    "minmax_per_bucket",
    "monthly_returns",
    "write_report",
]
