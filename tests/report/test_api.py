"""Pins what tickwire.report exports."""

from __future__ import annotations

import tickwire.report


def test_report_exports_are_pinned() -> None:
    assert set(tickwire.report.__all__) == {
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
    }
    for name in tickwire.report.__all__:
        assert hasattr(tickwire.report, name), name
