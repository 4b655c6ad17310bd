"""Building the HTML report's input from a backtest result and its data source."""

from __future__ import annotations

from typing import Any

from tickwire.backtest import Backtest, BacktestResult
from tickwire.report import ReportInput, backtest_report_input

__all__ = ["report_input"]


def report_input(
    result: BacktestResult, source: Any, *, engine: Backtest, run_id: str | None = None
) -> ReportInput:
    """The report of ``engine``'s run; closes are read again from ``source`` (the file
    source the CLI opened), so the backtest loop never has to keep them."""
    return backtest_report_input(engine, result, source=source, run_id=run_id)
