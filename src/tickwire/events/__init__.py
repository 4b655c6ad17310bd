"""Typed, immutable events: the only way tickwire components talk to each other.

All events derive from :class:`EventBase` and carry ``ts_event_ns`` (market time) and
``ts_created_ns`` (wall time). Define your own by subclassing it as a frozen struct::

    class Prediction(EventBase, frozen=True, kw_only=True):
        instrument: str
        score: float
"""

from tickwire.events._base import EventBase, new_id, now_ns, registered_event_types
from tickwire.events._generic import Event, EventType
from tickwire.events._validation import market_data_problem
from tickwire.events.codec import DecodeError, decode, decode_json, encode, encode_json
from tickwire.events.factories import create_bar_event, create_signal_event, to_ns
from tickwire.events.market import Bar, Tick, Trade
from tickwire.events.system import (
    ErrorEvent,
    Heartbeat,
    InfoEvent,
    LifecycleEvent,
    LifecycleState,
)
from tickwire.events.trading import (
    ORDER_UPDATES,
    CancelOrder,
    Fill,
    KillSwitch,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    OrderUpdate,
    PositionChanged,
    Side,
    Signal,
    SubmitOrder,
    TimeInForce,
)

# The names the seed documents use for the same classes.
BarEvent = Bar
TickEvent = Tick
SignalEvent = Signal
TradingSignal = Signal

__all__ = [
    "ORDER_UPDATES",
    "Bar",
    "BarEvent",
    "CancelOrder",
    "DecodeError",
    "ErrorEvent",
    "Event",
    "EventBase",
    "EventType",
    "Fill",
    "Heartbeat",
    "InfoEvent",
    "KillSwitch",
    "LifecycleEvent",
    "LifecycleState",
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
    "SignalEvent",
    "SubmitOrder",
    "Tick",
    "TickEvent",
    "TimeInForce",
    "Trade",
    "TradingSignal",
    "create_bar_event",
    "create_signal_event",
    "decode",
    "decode_json",
    "encode",
    "encode_json",
    "market_data_problem",
    "new_id",
    "now_ns",
    "registered_event_types",
    "to_ns",
]
