"""Events between processes over ZeroMQ, with a delivery guarantee chosen per route.

- The wire format (``docs/transport.md``): one frame per message, a topic, a space and a
  msgpack envelope ``[version, type, sender, seq, events]``; nothing is unpickled, every
  event is checked by the events codec, a bad frame becomes an ErrorEvent and a dead
  letter (:mod:`._envelope`).
- Market data, at most once: :class:`MarketDataPublisher` (never blocks, counts
  ``dropped_ticks``, batches) and :class:`MarketDataSubscriber` (reports gaps).
- Signals, at least once: :class:`SignalSender` (retries, gives up with a
  ``SignalDeliveryError``) and :class:`SignalReceiver` (acknowledges; an exactly-once
  effect with a :class:`SqliteProcessedStore`).
- Orders, request/reply: :class:`RequestClient` (timeout, lazy pirate, circuit breaker)
  and :class:`ReplyServer`.
- :class:`OutboundBridge` / :class:`InboundBridge` connect a local bus to a
  :class:`Route`; a :class:`Pump` drives a process's components on one thread.
- Between hosts, a route's :class:`Curve` keys (:func:`write_curve_keys`) encrypt it and
  admit only authorised clients (:mod:`._curve`).
"""

from tickwire._exceptions import CircuitOpenError, RequestTimeout, TransportError
from tickwire.transport._bridge import InboundBridge, OutboundBridge
from tickwire.transport._config import (
    Batching,
    Guarantee,
    Route,
    market_data_route,
    route_from_mapping,
    signal_route,
)
from tickwire.transport._curve import Curve, CurveKeyPair, curve_for, write_curve_keys
from tickwire.transport._envelope import (
    WIRE_FORMAT_VERSION,
    FrameEncoder,
    Message,
    decode_frame,
    topic_for,
)
from tickwire.transport._processed import (
    Claim,
    MemoryProcessedStore,
    ProcessedStore,
    SqliteProcessedStore,
)
from tickwire.transport._pubsub import MarketDataPublisher, MarketDataSubscriber
from tickwire.transport._pump import Component, Pump
from tickwire.transport._reqrep import ReplyServer, RequestClient
from tickwire.transport._signals import SignalReceiver, SignalSender

__all__ = [
    "WIRE_FORMAT_VERSION",
    "Batching",
    "CircuitOpenError",
    "Claim",
    "Component",
    "Curve",
    "CurveKeyPair",
    "FrameEncoder",
    "Guarantee",
    "InboundBridge",
    "MarketDataPublisher",
    "MarketDataSubscriber",
    "MemoryProcessedStore",
    "Message",
    "OutboundBridge",
    "ProcessedStore",
    "Pump",
    "ReplyServer",
    "RequestClient",
    "RequestTimeout",
    "Route",
    "SignalReceiver",
    "SignalSender",
    "SqliteProcessedStore",
    "TransportError",
    "curve_for",
    "decode_frame",
    "market_data_route",
    "route_from_mapping",
    "signal_route",
    "topic_for",
    "write_curve_keys",
]
