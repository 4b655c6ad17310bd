"""Deterministic backtests: ``Backtest(strategy=..., data=..., cash=...).run()``."""

from tickwire.backtest.engine import (
    BROKER_PRIORITY,
    PORTFOLIO_PRIORITY,
    STRATEGY_PRIORITY,
    Backtest,
)
from tickwire.backtest.result import BacktestResult, ErrorKind
from tickwire.bus.policy import ErrorPolicy

__all__ = [
    "BROKER_PRIORITY",
    "PORTFOLIO_PRIORITY",
    "STRATEGY_PRIORITY",
    "Backtest",
    "BacktestResult",
    "ErrorKind",
    "ErrorPolicy",
]
