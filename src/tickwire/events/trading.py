"""Trading events: signals, order requests, the order lifecycle, fills and positions.

Each carries a unique ``id`` so that a consumer can process it exactly once.
"""

from __future__ import annotations

import enum
from typing import ClassVar

import msgspec

from tickwire.events._base import EventBase, new_id

__all__ = [
    "ORDER_UPDATES",
    "CancelOrder",
    "Fill",
    "KillSwitch",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFilled",
    "OrderPartiallyFilled",
    "OrderRejected",
    "OrderStatus",
    "OrderSubmitted",
    "OrderType",
    "OrderUpdate",
    "PositionChanged",
    "Side",
    "Signal",
    "SubmitOrder",
    "TimeInForce",
]


class Side(enum.StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self == "BUY" else -1  # not Side.BUY: member lookups are slow


class OrderType(enum.StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"
    STOP_LIMIT = "STOP_LIMIT"


class TimeInForce(enum.StrEnum):
    GTC = "GTC"
    """Good till cancelled."""
    DAY = "DAY"
    """Cancelled at the end of the trading day (UTC) it was submitted on."""
    IOC = "IOC"
    """Immediate or cancel: what cannot fill on the first eligible bar is cancelled."""


class OrderStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"


class Signal(EventBase, frozen=True, kw_only=True):
    """A strategy's decision to trade, before sizing and risk checks."""

    BUY: ClassVar[Side] = Side.BUY
    SELL: ClassVar[Side] = Side.SELL
    event_type: ClassVar[str | None] = "SIGNAL"

    instrument: str
    side: Side
    trigger_price: float
    quantity: float = 0.0
    strategy_name: str = ""
    confidence: float = 1.0
    id: str = msgspec.field(default_factory=new_id)

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"Signal.confidence: must be within [0, 1], got {self.confidence!r}")

    def is_high_confidence(self) -> bool:
        """True when confidence is above 0.8."""
        return self.confidence > 0.8


class SubmitOrder(EventBase, frozen=True, kw_only=True):
    """A request to place an order. ``take_profit``/``stop_loss`` make it a bracket."""

    event_type: ClassVar[str | None] = "ORDER_REQUEST"

    instrument: str
    side: Side
    quantity: float
    order_type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    stop_price: float | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    take_profit: float | None = None
    stop_loss: float | None = None
    strategy_name: str = ""
    signal_id: str | None = None
    order_id: str = msgspec.field(default_factory=new_id)
    id: str = msgspec.field(default_factory=new_id)


class KillSwitch(EventBase, frozen=True, kw_only=True):
    """Halts every new order at the risk manager (``engaged=True``) or lifts the halt."""

    event_type: ClassVar[str | None] = "ORDER_REQUEST"

    engaged: bool = True
    reason: str = ""


class CancelOrder(EventBase, frozen=True, kw_only=True):
    """A request to cancel a working order."""

    event_type: ClassVar[str | None] = "ORDER_REQUEST"

    order_id: str
    instrument: str = ""
    id: str = msgspec.field(default_factory=new_id)


class OrderUpdate(EventBase, frozen=True, kw_only=True):
    """Common fields of the order lifecycle events; subscribe to the concrete ones."""

    event_type: ClassVar[str | None] = "ORDER_UPDATE"
    status: ClassVar[OrderStatus]

    order_id: str
    instrument: str
    signal_id: str | None = None
    id: str = msgspec.field(default_factory=new_id)

    def is_fully_filled(self) -> bool:
        return self.status is OrderStatus.FILLED


class OrderSubmitted(OrderUpdate, frozen=True, kw_only=True):
    """The order passed pre-trade risk checks and goes to the broker."""

    status: ClassVar[OrderStatus] = OrderStatus.SUBMITTED
    order: SubmitOrder


class OrderAccepted(OrderUpdate, frozen=True, kw_only=True):
    status: ClassVar[OrderStatus] = OrderStatus.ACCEPTED


class OrderRejected(OrderUpdate, frozen=True, kw_only=True):
    status: ClassVar[OrderStatus] = OrderStatus.REJECTED
    reason: str = ""


class OrderPartiallyFilled(OrderUpdate, frozen=True, kw_only=True):
    status: ClassVar[OrderStatus] = OrderStatus.PARTIALLY_FILLED
    filled_quantity: float = 0.0
    remaining_quantity: float = 0.0
    avg_fill_price: float = 0.0


class OrderFilled(OrderUpdate, frozen=True, kw_only=True):
    status: ClassVar[OrderStatus] = OrderStatus.FILLED
    filled_quantity: float = 0.0
    avg_fill_price: float = 0.0


class OrderCancelled(OrderUpdate, frozen=True, kw_only=True):
    status: ClassVar[OrderStatus] = OrderStatus.CANCELLED
    reason: str = ""


ORDER_UPDATES: tuple[type[OrderUpdate], ...] = (
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderPartiallyFilled,
    OrderFilled,
    OrderCancelled,
)
"""Every concrete order lifecycle event, in lifecycle order (subscribe to each)."""


class Fill(EventBase, frozen=True, kw_only=True):
    """One execution of (part of) an order."""

    event_type: ClassVar[str | None] = "TRADE_UPDATE"

    order_id: str
    instrument: str
    side: Side
    quantity: float
    price: float
    commission: float = 0.0
    signal_id: str | None = None
    strategy_name: str = ""
    id: str = msgspec.field(default_factory=new_id)


class PositionChanged(EventBase, frozen=True, kw_only=True):
    """The net position in an instrument after a fill."""

    event_type: ClassVar[str | None] = "POSITION"

    instrument: str
    quantity: float
    avg_price: float
    realized_pnl: float = 0.0
