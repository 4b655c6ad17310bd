"""Live connections: resilient websocket feeds that turn exchange messages into events.

:class:`WebSocketFeed` keeps a connection up (reconnect with backoff, resubscribe, idle
detection) and checks every stream's sequence (no duplicates; a
:class:`~tickwire.events.FeedGap` for what went missing). What a message means is the
job of a feed format (:class:`FeedFormat`): tickwire's own JSON events
(:class:`TickwireFormat`) or Binance's public spot streams (:class:`BinanceFormat`).
``WebSocketEmitter`` and ``WebSocketHandler`` are the names seed 003 uses;
:class:`HealthMonitor`, :class:`HealthServer` and :class:`HeartbeatPublisher` watch it all.
"""

from tickwire.live._backoff import Backoff
from tickwire.live.binance import BinanceFormat
from tickwire.live.feed import FeedError, FeedStats, WebSocketFeed
from tickwire.live.format import FeedFormat, Parsed
from tickwire.live.health import HealthMonitor, HealthReport, HealthServer
from tickwire.live.heartbeat import HeartbeatPublisher
from tickwire.live.tickwire_format import TickwireFormat
from tickwire.live.websocket import WebSocketEmitter, WebSocketHandler

__all__ = [
    "Backoff",
    "BinanceFormat",
    "FeedError",
    "FeedFormat",
    "FeedStats",
    "HealthMonitor",
    "HealthReport",
    "HealthServer",
    "HeartbeatPublisher",
    "Parsed",
    "TickwireFormat",
    "WebSocketEmitter",
    "WebSocketFeed",
    "WebSocketHandler",
]
