"""Strategies: the Strategy base class, its parameters and incremental indicators."""

from tickwire.strategy.base import Strategy, StrategyError, parameter_values

__all__ = ["Strategy", "StrategyError", "parameter_values"]
