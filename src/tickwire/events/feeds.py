"""Events about live feeds: their connection state, the raw messages they receive, and
the gaps they find in a stream's sequence."""

from __future__ import annotations

import enum
from typing import ClassVar

from tickwire.events._base import EventBase

__all__ = ["FeedGap", "FeedState", "FeedStatus", "WebSocketMessage"]


class FeedState(enum.StrEnum):
    """Where a feed's connection is."""

    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    """Connected and (re)subscribed: messages flow."""
    DISCONNECTED = "DISCONNECTED"
    """The connection dropped or could not be made; the feed waits, then retries."""
    STALE = "STALE"
    """Connected, but nothing arrived within the idle timeout: the feed reconnects."""
    STOPPED = "STOPPED"
    """Stopped on request; it will not reconnect."""
    FAILED = "FAILED"
    """Gave up (the first connection failed within the connect timeout, or a fatal error)."""


class FeedStatus(EventBase, frozen=True, kw_only=True):
    """A feed's connection changed state (routes under ``EventType.WEBSOCKET``)."""

    event_type: ClassVar[str | None] = "WEBSOCKET"

    feed: str
    url: str
    state: FeedState
    attempt: int = 0
    """Connection attempts since the last successful one (0 once connected)."""
    detail: str = ""


class WebSocketMessage(EventBase, frozen=True, kw_only=True):
    """A raw message a websocket feed received (routes under ``EventType.WEBSOCKET``);
    published only while something subscribes to it or to its category."""

    event_type: ClassVar[str | None] = "WEBSOCKET"

    feed: str
    data: str
    """The message text (a binary message as hex)."""


class FeedGap(EventBase, frozen=True, kw_only=True):
    """Messages of a stream are missing: ``first_missing`` to ``last_missing`` (inclusive)
    in the stream's own sequence (a trade id, a kline's open time in ms, a feed sequence)."""

    event_type: ClassVar[str | None] = "MARKET_DATA"

    feed: str
    instrument: str
    stream: str
    """What the sequence numbers: "trade", "aggTrade", "kline_1m", "seq"..."""
    first_missing: int
    last_missing: int
    missing: int
    """How many messages are missing (``last_missing - first_missing`` over the step, + 1)."""
