# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Net position accounting for one instrument: average cost, realized PnL, commissions.

The accounting works with a direction ``sign`` (+1 buy, -1 sell); :func:`sign_of` and
:func:`side_of` convert from and to :class:`~tickwire.events.Side` where fills come in and
records go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tickwire.events import Side

__all__ = ["QTY_RTOL", "Position", "PositionState", "side_of", "sign_of"]

QTY_RTOL: Final = 1e-9
"""Relative tolerance under which a reducing fill counts as closing the whole position.

Fractional quantities (0.1 + 0.2 - 0.3) leave residues like 5e-17; without it a close
would leave a phantom position that never goes flat.
"""

# Compiled, a Final module constant is a C static; ``Side.BUY`` would be a module-dict
# lookup and an attribute lookup on the enum class at every use.
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL


def sign_of(side: Side) -> int:
    """+1 for a buy, -1 for a sell; ValueError for anything that is neither."""
    if side == _BUY:
        return 1
    if side == _SELL:
        return -1
    raise ValueError(f"side must be BUY or SELL, got {side!r}")


def side_of(sign: int) -> Side:
    """The side of a direction: BUY for +1, SELL for -1."""
    return _BUY if sign > 0 else _SELL


@dataclass(frozen=True, slots=True)
class Position:
    """An immutable snapshot of the net position in one instrument."""

    instrument: str
    quantity: float
    """Signed: positive long, negative short, 0.0 flat."""
    avg_price: float
    """Average entry price of the open quantity (0.0 when flat)."""
    realized_pnl: float
    """Gross PnL realized by reductions and closes, before commissions."""
    unrealized_pnl: float
    """``quantity * (last_price - avg_price)``."""
    commission: float
    """Commissions paid on all fills in this instrument."""
    last_price: float
    """The latest mark: the last bar close, or the last fill price if more recent."""

    @property
    def is_flat(self) -> bool:
        """True when there is no open quantity."""
        return self.quantity == 0.0

    @property
    def net_realized_pnl(self) -> float:
        """Realized PnL after commissions."""
        return self.realized_pnl - self.commission


class PositionState:
    """The mutable net position one fill at a time (netting: longs and shorts offset)."""

    __slots__ = ("avg_price", "commission", "instrument", "quantity", "realized_pnl")

    def __init__(self, instrument: str) -> None:
        self.instrument = instrument
        self.quantity = 0.0
        self.avg_price = 0.0
        self.realized_pnl = 0.0
        self.commission = 0.0

    def apply(self, sign: int, quantity: float, price: float, commission: float) -> float:
        """Apply a fill of ``quantity`` (> 0) in direction ``sign`` (+1 buy, -1 sell).

        Returns the quantity it closed (0.0 when it only opened or added). A fill larger
        than the open position closes it and opens the rest on the other side at
        ``price``.
        """
        self.commission += commission
        held = self.quantity
        if held == 0.0 or (held > 0.0) == (sign > 0):
            size = abs(held)
            new_size = size + quantity
            self.avg_price = (self.avg_price * size + price * quantity) / new_size
            self.quantity = new_size if sign > 0 else -new_size
            return 0.0
        size = abs(held)
        direction = 1.0 if held > 0.0 else -1.0
        if quantity < size * (1.0 - QTY_RTOL):
            self.realized_pnl += quantity * (price - self.avg_price) * direction
            self.quantity = held + sign * quantity
            return quantity
        self.realized_pnl += size * (price - self.avg_price) * direction
        rest = quantity - size
        if rest > size * QTY_RTOL:
            self.quantity = sign * rest
            self.avg_price = price
        else:
            self.quantity = 0.0
            self.avg_price = 0.0
        return size

    def snapshot(self, last_price: float) -> Position:
        """An immutable copy, marked at ``last_price``."""
        q = self.quantity
        return Position(
            instrument=self.instrument,
            quantity=q,
            avg_price=self.avg_price,
            realized_pnl=self.realized_pnl,
            unrealized_pnl=q * (last_price - self.avg_price) if q else 0.0,
            commission=self.commission,
            last_price=last_price,
        )
