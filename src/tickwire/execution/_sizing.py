"""Sizing rules: how many units a :class:`~tickwire.events.Signal` becomes.

A sizing rule is any callable ``rule(signal) -> quantity``. The executor rejects a
result that is not a finite number above zero, so a rule may return 0.0 to mean
"too small to trade".
"""

from __future__ import annotations

import math
from typing import Protocol

from tickwire._types import EquityAccount
from tickwire.events import Signal

__all__ = ["FixedNotional", "FixedQuantity", "PercentOfEquity", "SignalQuantity", "Sizer"]


class Sizer(Protocol):
    """A sizing rule: the unsigned order quantity for ``signal``."""

    def __call__(self, signal: Signal) -> float:
        """The quantity to trade (the side comes from the signal)."""


def _round_down(quantity: float, lot_size: float) -> float:
    """``quantity`` floored to a whole number of lots (0 lot size: no rounding)."""
    if lot_size <= 0.0:
        return quantity
    return math.floor(quantity / lot_size + 1e-9) * lot_size


def _positive(owner: str, name: str, value: float) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{owner}: {name} must be a finite number above 0, got {value!r}")
    return value


def _lot(owner: str, lot_size: float) -> float:
    lot_size = float(lot_size)
    if not (math.isfinite(lot_size) and lot_size >= 0.0):
        raise ValueError(f"{owner}: lot_size must be finite and >= 0, got {lot_size!r}")
    return lot_size


class FixedQuantity:
    """Always the same quantity, whatever the signal says."""

    __slots__ = ("quantity",)

    def __init__(self, quantity: float) -> None:
        self.quantity = _positive("FixedQuantity", "quantity", quantity)

    def __call__(self, signal: Signal) -> float:
        return self.quantity


class SignalQuantity:
    """The quantity the signal carries (0.0, the Signal default, is rejected)."""

    __slots__ = ()

    def __call__(self, signal: Signal) -> float:
        return signal.quantity


class FixedNotional:
    """``notional / trigger_price`` units, floored to ``lot_size`` when given."""

    __slots__ = ("lot_size", "notional")

    def __init__(self, notional: float, *, lot_size: float = 0.0) -> None:
        self.notional = _positive("FixedNotional", "notional", notional)
        self.lot_size = _lot("FixedNotional", lot_size)

    def __call__(self, signal: Signal) -> float:
        price = signal.trigger_price
        if not (math.isfinite(price) and price > 0.0):
            return math.nan  # the executor reports it as an invalid size
        return _round_down(self.notional / price, self.lot_size)


class PercentOfEquity:
    """``percent`` % of the account's current equity, in units at the trigger price."""

    __slots__ = ("account", "lot_size", "percent")

    def __init__(self, percent: float, account: EquityAccount, *, lot_size: float = 0.0) -> None:
        self.percent = _positive("PercentOfEquity", "percent", percent)
        self.account = account
        self.lot_size = _lot("PercentOfEquity", lot_size)

    def __call__(self, signal: Signal) -> float:
        price = signal.trigger_price
        if not (math.isfinite(price) and price > 0.0):
            return math.nan
        equity = self.account.equity
        if equity <= 0.0:
            return 0.0
        return _round_down(equity * self.percent / 100.0 / price, self.lot_size)
