"""Typed, immutable events: the only way tickwire components talk to each other.

All events derive from :class:`EventBase` and carry ``ts_event_ns`` (market time) and
``ts_created_ns`` (wall time). Define your own by subclassing it as a frozen struct, and
register it to send, store or read it as bytes (each process that decodes it must)::

    @register_event_type
    class Prediction(EventBase, frozen=True, kw_only=True, tag="myapp.Prediction"):
        instrument: str
        score: float

The wire contract (the tags, what may change in an event type once its events are
stored or sent, how the format is versioned) is written down in ``docs/events.md``.
Decoders check every value against the rules of :func:`event_problem`; constructors do
not (the hot path builds events from checked data). Code written from the design
documents works too: ``Event(event_type=...)``, ``EventType`` extended by subclassing,
and seed 001's ``TickEvent``/``TradingSignal``/``OrderEvent`` constructors
(``seed_vocabulary.py``); ``docs/events.md`` maps each of their names to tickwire's.
"""

from tickwire.events._base import EventBase, new_id, now_ns
from tickwire.events._generic_event import Event, EventType
from tickwire.events._registry import (
    BUILTIN_EVENT_TYPES,
    WIRE_VERSION,
    register_event_type,
    registered_event_types,
)
from tickwire.events._validation import event_problem, market_data_problem
from tickwire.events.cluster import EndOfData, FillHistory, FillsQuery, NodeProgress, Watermark
from tickwire.events.codec import (
    DecodeError,
    checked_event,
    decode,
    decode_json,
    decode_recorded,
    encode,
    encode_json,
)
from tickwire.events.delivery import SignalAck, SignalDeliveryError
from tickwire.events.factories import create_bar_event, create_signal_event, to_ns
from tickwire.events.feeds import FeedGap, FeedState, FeedStatus, WebSocketMessage
from tickwire.events.market import Bar, Tick, Trade
from tickwire.events.seed_vocabulary import OrderEvent, OrderOperation, TickEvent, TradingSignal
from tickwire.events.system import (
    ErrorEvent,
    Heartbeat,
    InfoEvent,
    LifecycleEvent,
    LifecycleState,
)
from tickwire.events.time import TimerEvent
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
from tickwire.events.venue import ReconciliationEvent, ReconciliationKind

# The names the usage guide (seed 003) uses for the same classes; seed 001's TickEvent,
# TradingSignal and OrderEvent are constructors (seed_vocabulary.py).
BarEvent = Bar
SignalEvent = Signal

__all__ = [
    "BUILTIN_EVENT_TYPES",
    "ORDER_UPDATES",
    "WIRE_VERSION",
    "Bar",
    "BarEvent",
    "CancelOrder",
    "DecodeError",
    "EndOfData",
    "ErrorEvent",
    "Event",
    "EventBase",
    "EventType",
    "FeedGap",
    "FeedState",
    "FeedStatus",
    "Fill",
    "FillHistory",
    "FillsQuery",
    "Heartbeat",
    "InfoEvent",
    "KillSwitch",
    "LifecycleEvent",
    "LifecycleState",
    "NodeProgress",
    "OrderAccepted",
    "OrderCancelled",
    "OrderEvent",
    "OrderFilled",
    "OrderOperation",
    "OrderPartiallyFilled",
    "OrderRejected",
    "OrderStatus",
    "OrderSubmitted",
    "OrderType",
    "OrderUpdate",
    "PositionChanged",
    "ReconciliationEvent",
    "ReconciliationKind",
    "Side",
    "Signal",
    "SignalAck",
    "SignalDeliveryError",
    "SignalEvent",
    "SubmitOrder",
    "Tick",
    "TickEvent",
    "TimeInForce",
    "TimerEvent",
    "Trade",
    "TradingSignal",
    "Watermark",
    "WebSocketMessage",
    "checked_event",
    "create_bar_event",
    "create_signal_event",
    "decode",
    "decode_json",
    "decode_recorded",
    "encode",
    "encode_json",
    "event_problem",
    "market_data_problem",
    "new_id",
    "now_ns",
    "register_event_type",
    "registered_event_types",
    "to_ns",
]
