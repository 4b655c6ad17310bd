# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""A feed's per-message work, compiled: parse, drop duplicates, report gaps, publish.

The feed's connection loop (interpreted: mypyc does not compile its async shell) hands
each message to :meth:`Receiver.receive`, which publishes with the bus's synchronous
:meth:`~tickwire.bus.EventBus.publish`, so no coroutine is made per message. Only when a
coroutine handler would receive an event (or the raw message) does it hand the events
back, in order, for the loop to ``await bus.emit_async``: a slow coroutine handler then
holds the feed back instead of piling up tasks. Once one event of a message goes back,
the rest of the message does too, so that delivery keeps the message's order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Final

from tickwire.bus import DeadLetter, EventBus
from tickwire.events import (
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    FeedGap,
    WebSocketMessage,
    now_ns,
)
from tickwire.live._sequence import Gap, SequenceTracker
from tickwire.live.format import Parsed

__all__ = ["Receiver"]

_RAW_CHECK_EVERY: Final = 255
"""Whether anyone wants raw messages is checked on connecting and every 256 messages."""

Parse = Callable[[str | bytes], Sequence[Parsed]]


class Receiver:
    """Turns one feed's messages into published events, and counts what it did."""

    def __init__(self, feed: str, url: str, bus: EventBus) -> None:
        self.feed = feed
        self.url = url
        self.bus = bus
        self.sequences = SequenceTracker()
        self.parse: Parse | None = None
        """The format's parser, bound again on every connect (:meth:`connected`)."""
        self.raw_wanted = False
        self.last_message = 0.0
        """When the last message arrived (``time.monotonic``)."""
        self.seen_at: dict[str, float] | None = None
        """When each instrument's last event arrived, while the feed watches instruments
        (None: it does not, and nothing is stamped)."""
        self.received = 0
        self.published = 0
        self.rejected = 0
        self.duplicates = 0
        self.gaps = 0
        self.missing = 0

    def connected(self, parse: Parse) -> None:
        """A connection is up: read its messages with ``parse``, from now."""
        self.parse = parse
        self.raw_wanted = self._wants_raw()
        now = self.last_message = time.monotonic()
        seen_at = self.seen_at
        if seen_at is not None:  # each instrument gets its full time on a new connection
            for instrument in seen_at:
                seen_at[instrument] = now

    def receive(self, message: str | bytes) -> list[EventBase] | None:
        """Publish what ``message`` carries; the events left to ``await bus.emit_async``
        (in order), or None when every one was published."""
        now = self.last_message = time.monotonic()
        self.received += 1
        if not self.received & _RAW_CHECK_EVERY:
            self.raw_wanted = self._wants_raw()
        bus = self.bus
        pending: list[EventBase] | None = None
        if self.raw_wanted:
            raw = message if isinstance(message, str) else message.hex()
            pending = [WebSocketMessage(ts_event_ns=now_ns(), feed=self.feed, data=raw)]
        parse = self.parse
        assert parse is not None, "receive() before connected()"
        try:
            items = parse(message)
        except (ValueError, RecursionError) as exc:
            self._reject(message, exc)
            return pending
        sequences = self.sequences  # a native call: a bound method would be called as Python
        seen_at = self.seen_at
        for item in items:
            event = item.event
            stream = item.stream
            if stream:
                seen = sequences.check((item.instrument, stream), item.seq, item.step)
                if seen is False:
                    self.duplicates += 1
                    continue
                if isinstance(seen, Gap):
                    self._gap(item, seen)
            self.published += 1
            if seen_at is not None:
                instrument = getattr(event, "instrument", None)
                if isinstance(instrument, str):
                    seen_at[instrument] = now
            if pending is None:
                kind = type(event)
                if kind is not Event and not bus.has_async_handlers(kind):
                    bus.publish(event)
                    continue
                pending = []
            pending.append(event)
        return pending

    def _wants_raw(self) -> bool:
        bus = self.bus
        return bus.has_subscribers(WebSocketMessage) or bus.has_subscribers(EventType.WEBSOCKET)

    def _gap(self, item: Parsed, gap: Gap) -> None:
        self.gaps += 1
        self.missing += gap.missing
        self.bus.publish(
            FeedGap(
                ts_event_ns=item.event.ts_event_ns,
                feed=self.feed,
                instrument=item.instrument,
                stream=item.stream,
                first_missing=gap.first,
                last_missing=gap.last,
                missing=gap.missing,
            )
        )

    def _reject(self, message: str | bytes, exc: BaseException) -> None:
        self.rejected += 1
        raw = message if isinstance(message, str) else message.hex()
        bus = self.bus
        bus.dead_letters.add(DeadLetter(raw, f"{self.feed}.parse", exc))
        bus.publish(
            ErrorEvent(
                ts_event_ns=now_ns(),
                component=f"feed:{self.feed}",
                error=f"message {self.received} from {self.url}: {exc}",
                error_type=type(exc).__qualname__,
                original_event=raw[:10_000],
            )
        )
