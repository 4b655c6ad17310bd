"""Strategies: the Strategy base class, its parameters and incremental indicators."""

from tickwire.strategy.base import OrderTerms, Strategy, StrategyError, parameter_values

__all__ = ["OrderTerms", "Strategy", "StrategyError", "parameter_values"]
