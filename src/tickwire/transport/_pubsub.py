# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Market data over PUB/SUB, at most once: the publisher never blocks, drops are counted
(``dropped_ticks``) and become gaps in the sequence that subscribers report.

The publisher is an XPUB socket with ``XPUB_NODROP``: at the high-water mark a
non-blocking send fails instead of dropping silently inside ZeroMQ, so the drop is
counted here and its sequence numbers are skipped, which every subscriber sees as a gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import zmq

from tickwire._exceptions import DecodeError
from tickwire.bus import DeadLetterStore
from tickwire.events import EventBase
from tickwire.transport._config import Batching, Guarantee
from tickwire.transport._curve import Curve, ServerSecurity, bind, client_keys, connect
from tickwire.transport._envelope import (
    TOPIC_SEPARATOR,
    FrameEncoder,
    decode_frame,
    event_tag,
    topic_for,
)
from tickwire.transport._rejects import Rejects
from tickwire.transport._sequence import GapTracker
from tickwire.transport._sockets import context_or_default, drain, receiving_socket

__all__ = ["MarketDataPublisher", "MarketDataSubscriber"]

_MAX_CACHED_TOPICS = 100_000
_BURST = 10_000
"""Frames a subscriber takes from its socket per poll, so one busy socket cannot starve
the others of a loop."""


class _Batch:
    """The events waiting to go out on one topic."""

    __slots__ = ("deadline_ns", "events", "tag")

    def __init__(self, tag: str, deadline_ns: int) -> None:
        self.tag = tag
        self.deadline_ns = deadline_ns
        self.events: list[EventBase] = []


class MarketDataPublisher:
    """Binds ``endpoint`` and publishes events on their topics (``TICK.<instrument>``).

    With ``batching``, events of a topic go out together: when ``max_events`` are
    waiting, or at the first :meth:`publish` or :meth:`poll` after the oldest has waited
    ``max_delay_us``. Call :meth:`poll` (a :class:`~tickwire.transport.Pump` does) while
    no events arrive, and :meth:`flush` before stopping.
    """

    guarantee = Guarantee.AT_MOST_ONCE

    def __init__(
        self,
        endpoint: str,
        *,
        sender: str,
        name: str = "market-data",
        batching: Batching | None = None,
        high_water_mark: int = 10_000,
        curve: Curve | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        context = context_or_default(context)
        self._security = (
            None if curve is None else ServerSecurity(context, curve, f"route {name!r}")
        )
        self._encoder = FrameEncoder(sender)
        self._max_events = batching.max_events if batching is not None else 1
        self._delay_ns = batching.max_delay_us * 1_000 if batching is not None else 0
        self._clock = clock
        self._topics: dict[tuple[type[EventBase], str | None], tuple[bytes, str]] = {}
        self._batches: dict[bytes, _Batch] = {}
        self._next_due_ns: int | None = None
        self._seq: dict[bytes, int] = {}
        self.subscriptions = 0
        """Subscribe messages received (one per subscriber and topic)."""
        self.sent_messages = 0
        self.sent_events = 0
        self.dropped_messages = 0
        self.dropped_ticks = 0
        """Events (ticks or bars) dropped at the high-water mark."""
        sock = context.socket(zmq.XPUB)
        sock.setsockopt(zmq.SNDHWM, high_water_mark)
        sock.setsockopt(zmq.XPUB_NODROP, 1)
        sock.setsockopt(zmq.LINGER, 0)
        self._socket = sock
        self.bound = bind(sock, endpoint, self._security, name)
        """The endpoint actually bound (its port when ``endpoint`` says ``*``)."""

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The socket a pump waits on (subscriptions arrive on it)."""
        return (self._socket,)

    def publish(self, event: EventBase) -> None:
        """Send ``event`` (or add it to its topic's batch); never blocks."""
        cls = type(event)
        key = (cls, getattr(event, "instrument", None))
        found = self._topics.get(key)
        if found is None:
            found = (topic_for(event).encode(), event_tag(cls))
            if len(self._topics) < _MAX_CACHED_TOPICS:
                self._topics[key] = found
        topic, tag = found
        if self._max_events == 1:
            self._send(topic, tag, [event])
            return
        now = self._clock()
        batch = self._batches.get(topic)
        if batch is None:
            batch = self._batches[topic] = _Batch(tag, now + self._delay_ns)
            if self._next_due_ns is None or batch.deadline_ns < self._next_due_ns:
                self._next_due_ns = batch.deadline_ns
        batch.events.append(event)
        if len(batch.events) >= self._max_events:
            del self._batches[topic]
            self._send(topic, batch.tag, batch.events)
        if self._next_due_ns is not None and now >= self._next_due_ns:
            self._flush_due(now)

    def next_due_ns(self) -> int | None:
        """When the oldest batch must go (monotonic ns), or None."""
        return self._next_due_ns

    def poll(self) -> int:
        """Count new subscriptions and send the batches that are due; what was sent."""
        sent = self.sent_messages
        self._read_subscriptions()
        if self._next_due_ns is not None:
            self._flush_due(self._clock())
        return self.sent_messages - sent

    def wait_for_subscribers(self, count: int, timeout_s: float) -> bool:
        """Wait until ``count`` subscribe messages arrived (a test or a start gate)."""
        deadline = time.monotonic() + timeout_s
        while self.subscriptions < count:
            left = deadline - time.monotonic()
            if left <= 0 or not self._socket.poll(int(left * 1000) + 1, zmq.POLLIN):
                return self.subscriptions >= count
            self._read_subscriptions()
        return True

    def flush(self) -> None:
        """Send every batch now."""
        batches, self._batches = self._batches, {}
        self._next_due_ns = None
        for topic, batch in batches.items():
            self._send(topic, batch.tag, batch.events)

    def stats(self) -> dict[str, int | str]:
        """Counts for a status view: sent, dropped, the guarantee."""
        return {
            "route": self.name,
            "guarantee": str(self.guarantee),
            "endpoint": self.bound,
            "subscriptions": self.subscriptions,
            "sent_messages": self.sent_messages,
            "sent_events": self.sent_events,
            "dropped_messages": self.dropped_messages,
            "dropped_ticks": self.dropped_ticks,
            "pending_events": sum(len(batch.events) for batch in self._batches.values()),
        }

    def close(self, linger_ms: int = 500) -> None:
        """Send what is pending and close the socket, giving ZeroMQ up to ``linger_ms``
        to pass on what it still holds."""
        self.flush()
        self._socket.close(linger=linger_ms)
        if self._security is not None:
            self._security.close()

    def _flush_due(self, now: int) -> None:
        due = [topic for topic, batch in self._batches.items() if batch.deadline_ns <= now]
        for topic in due:
            batch = self._batches.pop(topic)
            self._send(topic, batch.tag, batch.events)
        self._next_due_ns = min(
            (batch.deadline_ns for batch in self._batches.values()), default=None
        )

    def _send(self, topic: bytes, tag: str, events: Sequence[EventBase]) -> None:
        seq = self._seq.get(topic, 0)
        self._seq[topic] = seq + len(events)  # a dropped message's numbers stay skipped
        frame = self._encoder.frame(topic, tag, seq, events)
        try:
            self._socket.send(frame, zmq.NOBLOCK)
        except zmq.Again:
            self.dropped_messages += 1
            self.dropped_ticks += len(events)
            return
        self.sent_messages += 1
        self.sent_events += len(events)

    def _read_subscriptions(self) -> None:
        sock = self._socket
        while True:
            try:
                message = sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            if message[:1] == b"\x01":
                self.subscriptions += 1


class MarketDataSubscriber:
    """Connects to publishers and hands each decoded event to ``deliver`` (the local bus).

    ``topics``: ``"TICK.ACME"`` receives that instrument's ticks; a topic ending in ``.``
    (``"TICK."``) is a prefix; no topics receives everything. A gap in a sender's
    sequence is delivered as a :class:`~tickwire.events.FeedGap` before the message after
    it; a frame that does not decode becomes an ErrorEvent and a dead letter.
    """

    guarantee = Guarantee.AT_MOST_ONCE

    def __init__(
        self,
        endpoints: str | Sequence[str],
        deliver: Callable[[EventBase], None],
        *,
        dead_letters: DeadLetterStore,
        topics: Sequence[str] = (),
        name: str = "market-data",
        high_water_mark: int = 10_000,
        max_message_bytes: int = 16 * 1024 * 1024,
        allow_nonpositive_prices: bool = False,
        curve: Curve | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        self.name = name
        keys = None if curve is None else client_keys(curve, f"route {name!r}")
        self._deliver = deliver
        self._allow_nonpositive = allow_nonpositive_prices
        self.rejects = Rejects(f"transport.{name}", deliver, dead_letters)
        self.gaps = GapTracker()
        self.received_messages = 0
        self.received_events = 0
        sock = receiving_socket(
            context_or_default(context),
            zmq.SUB,
            high_water_mark=high_water_mark,
            max_message_bytes=max_message_bytes,
        )
        for topic in topics or ("",):
            prefix = topic.encode()
            sock.setsockopt(
                zmq.SUBSCRIBE, prefix if prefix[-1:] in (b"", b".") else prefix + TOPIC_SEPARATOR
            )
        for endpoint in [endpoints] if isinstance(endpoints, str) else endpoints:
            connect(sock, endpoint, keys)
        self._socket = sock

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The socket a pump waits on."""
        return (self._socket,)

    def next_due_ns(self) -> int | None:
        """A subscriber has no timers."""
        return None

    def poll(self) -> int:
        """Decode and deliver what has arrived (up to a burst); how many frames."""
        return drain(self._socket, self._handle, _BURST)

    def _handle(self, frame: bytes) -> None:
        try:
            message = decode_frame(frame, allow_nonpositive_prices=self._allow_nonpositive)
        except DecodeError as exc:
            self.rejects.reject(frame, exc)
            return
        events = message.events
        gap = self.gaps.check(message.sender, message.topic, message.seq, len(events))
        deliver = self._deliver
        if gap is not None:
            deliver(gap)
        self.received_messages += 1
        self.received_events += len(events)
        for event in events:
            deliver(event)

    def stats(self) -> dict[str, int | str]:
        """Counts for a status view: received, gaps, rejects, the guarantee."""
        return {
            "route": self.name,
            "guarantee": str(self.guarantee),
            "received_messages": self.received_messages,
            "received_events": self.received_events,
            "gaps": self.gaps.gaps,
            "missing_events": self.gaps.missing,
            "sender_restarts": self.gaps.restarts,
            "rejected_frames": self.rejects.count,
        }

    def close(self) -> None:
        """Close the socket."""
        self._socket.close()
