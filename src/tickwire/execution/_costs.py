"""Commission and slippage models for the simulated broker.

A commission model is any callable ``model(quantity, price, first_fill) -> commission``
(``first_fill`` is true for an order's first execution, for per-order fees). A slippage
model is any callable ``model(price, side) -> price`` that moves the price against the
trader. The broker applies both to every fill.
"""

from __future__ import annotations

import math
from typing import Protocol

from tickwire.events import Side

__all__ = [
    "BasisPointSlippage",
    "CommissionModel",
    "FixedCommission",
    "PerUnitCommission",
    "PercentCommission",
    "SlippageModel",
    "TickSlippage",
]


class CommissionModel(Protocol):
    """The fee for one execution."""

    def __call__(self, quantity: float, price: float, first_fill: bool) -> float:
        """The commission (>= 0) for ``quantity`` units at ``price``."""


class SlippageModel(Protocol):
    """The adverse price a trade gets instead of ``price``."""

    def __call__(self, price: float, side: Side) -> float:
        """Higher than ``price`` for a buy, lower for a sell (or equal)."""


def _non_negative(owner: str, name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{owner}: {name} must be finite and >= 0, got {value!r}")
    return value


class PerUnitCommission:
    """``rate`` per unit traded (for example per share or per contract)."""

    __slots__ = ("rate",)

    def __init__(self, rate: float) -> None:
        self.rate = _non_negative("PerUnitCommission", "rate", rate)

    def __call__(self, quantity: float, price: float, first_fill: bool) -> float:
        return quantity * self.rate


class PercentCommission:
    """``percent`` % of the traded notional (``percent=0.1`` is 10 basis points)."""

    __slots__ = ("percent",)

    def __init__(self, percent: float) -> None:
        self.percent = _non_negative("PercentCommission", "percent", percent)

    def __call__(self, quantity: float, price: float, first_fill: bool) -> float:
        return abs(quantity * price) * self.percent / 100.0


class FixedCommission:
    """``amount`` per order, charged on its first fill only."""

    __slots__ = ("amount",)

    def __init__(self, amount: float) -> None:
        self.amount = _non_negative("FixedCommission", "amount", amount)

    def __call__(self, quantity: float, price: float, first_fill: bool) -> float:
        return self.amount if first_fill else 0.0


class BasisPointSlippage:
    """Moves the price ``bps`` basis points against the trader."""

    __slots__ = ("bps",)

    def __init__(self, bps: float) -> None:
        self.bps = _non_negative("BasisPointSlippage", "bps", bps)

    def __call__(self, price: float, side: Side) -> float:
        shift = abs(price) * self.bps / 10_000.0
        return price + shift if side is Side.BUY else price - shift


class TickSlippage:
    """Moves the price ``ticks`` ticks of ``tick_size`` against the trader."""

    __slots__ = ("shift", "tick_size", "ticks")

    def __init__(self, ticks: float, tick_size: float) -> None:
        self.ticks = _non_negative("TickSlippage", "ticks", ticks)
        self.tick_size = _non_negative("TickSlippage", "tick_size", tick_size)
        self.shift = self.ticks * self.tick_size

    def __call__(self, price: float, side: Side) -> float:
        return price + self.shift if side is Side.BUY else price - self.shift
