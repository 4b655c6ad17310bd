"""Strategies: the Strategy base class, its parameters and incremental indicators."""

from tickwire.strategy.base import Account, Strategy, StrategyError, parameter_values

__all__ = ["Account", "Strategy", "StrategyError", "parameter_values"]
