"""Fuzzed frames at each receiving socket of the transport (SUB, PULL, the sender's ack
SUB, REP): the driver the tests run with a few thousand frames and
``benchmarks/fuzz_transport.py`` with 100,000.

Each run sends ``count`` frames, half byte mutations of valid frames of what the socket
carries, half random bytes (behind the subscription's topic for the SUB sockets, which
would never hand over anything else), then one valid frame, over real ZeroMQ sockets, and
pumps the component until every frame is accounted for: accepted, or rejected with an
ErrorEvent and a dead letter holding its bytes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import zmq

from tickwire.bus import EventBus
from tickwire.events import (
    ErrorEvent,
    EventBase,
    OrderAccepted,
    Side,
    Signal,
    SignalAck,
    SubmitOrder,
    Tick,
)
from tickwire.transport import (
    FrameEncoder,
    MarketDataSubscriber,
    MemoryProcessedStore,
    Pump,
    ReplyServer,
    SignalReceiver,
    SignalSender,
)

__all__ = ["SOCKETS", "FuzzRun", "fuzz_socket"]

SOCKETS = ("SUB", "PULL", "ack SUB", "REP")
_CHUNK = 1_000
_ENCODER = FrameEncoder("fuzz")
_ACK_PREFIX = b"ACK.fuzz "


@dataclass
class FuzzRun:
    """What one socket made of the fuzzed frames."""

    socket: str
    sent: int
    accepted: int = 0
    rejected: int = 0
    dead_letters: int = 0
    error_events: int = 0
    raw_dead_letters: int = 0
    """Dead letters whose event is the raw bytes of a frame that was sent."""
    last_valid_handled: bool = False
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def _signal(n: int) -> Signal:
    return Signal(
        ts_event_ns=n + 1, instrument="ACME", side=Side.BUY, trigger_price=1.5, id=f"s-{n}"
    )


def _valid(socket: str, n: int) -> bytes:
    """A valid frame of what ``socket`` carries."""
    if socket == "SUB":
        ticks = [Tick(ts_event_ns=n + i + 1, instrument="ACME", bid=1.0, ask=1.5) for i in range(3)]
        return bytes(_ENCODER.frame(b"TICK.ACME", "Tick", n, ticks))
    if socket == "PULL":
        return bytes(_ENCODER.frame(b"SIGNAL.ACME", "Signal", n, [_signal(n)]))
    if socket == "ack SUB":
        ack = SignalAck(ts_event_ns=n + 1, signal_id=f"s-{n}", sender="fuzz", receiver="x")
        return bytes(_ENCODER.frame(b"ACK.fuzz", "tickwire.SignalAck", n, [ack]))
    order = SubmitOrder(
        ts_event_ns=n + 1, instrument="ACME", side=Side.BUY, quantity=1.0, order_id=f"o-{n}"
    )
    return bytes(_ENCODER.frame(b"SUBMITORDER.ACME", "SubmitOrder", n, [order]))


def _fuzzed(socket: str, rng: random.Random, n: int) -> bytes:
    """A mutation of a valid frame (even ``n``) or random bytes (odd), kept behind the
    topic a SUB socket subscribed to."""
    prefix = _ACK_PREFIX if socket == "ack SUB" else b""
    if n % 2:
        return prefix + rng.randbytes(rng.randint(0, 300))
    return mutated(_valid(socket, rng.randrange(1_000)), rng, keep=len(prefix))


def mutated(frame: bytes, rng: random.Random, *, keep: int = 0) -> bytes:
    """``frame`` with 1 to 4 bytes changed, deleted or inserted after its first ``keep``."""
    changed = bytearray(frame)
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(keep, len(changed))
        action = rng.random()
        if action < 0.6:
            changed[position] = rng.randrange(256)
        elif action < 0.8:
            del changed[position]
        else:
            changed.insert(position, rng.randrange(256))
    return bytes(changed)


class _Rig:
    """A component under fuzz, the raw socket that feeds it, and how to count what it did."""

    def __init__(self, socket: str, folder: Path, bus: EventBus) -> None:
        self.context = zmq.Context.instance()
        self.socket = socket
        self.handled: Callable[[], int]
        self.rejected: Callable[[], int]
        endpoint = f"ipc://{folder}/fuzz-in"
        self.replies: zmq.Socket[bytes] | None = None
        if socket == "SUB":
            self.feed = self._bound(zmq.XPUB, endpoint)
            self.feed.setsockopt(zmq.XPUB_NODROP, 1)
            subscriber = MarketDataSubscriber(
                endpoint, bus.publish, dead_letters=bus.dead_letters, high_water_mark=_CHUNK * 4
            )
            self.component: MarketDataSubscriber | SignalReceiver | SignalSender | ReplyServer
            self.component = subscriber
            self.handled = lambda: subscriber.received_messages + subscriber.rejects.count
            self.rejected = lambda: subscriber.rejects.count
            self._wait_for_subscription()
        elif socket == "PULL":
            receiver = SignalReceiver(
                endpoint,
                f"ipc://{folder}/fuzz-acks",
                bus.publish,
                store=MemoryProcessedStore(),
                dead_letters=bus.dead_letters,
            )
            self.component = receiver
            self.feed = self.context.socket(zmq.PUSH)
            self.feed.connect(endpoint)
            self.handled = lambda: receiver.delivered + receiver.duplicates + receiver.rejects.count
            self.rejected = lambda: receiver.rejects.count
        elif socket == "ack SUB":
            self.feed = self._bound(zmq.XPUB, endpoint)
            self.feed.setsockopt(zmq.XPUB_NODROP, 1)
            sender = SignalSender(
                f"ipc://{folder}/fuzz-unread",
                endpoint,
                bus.publish,
                sender="fuzz",
                dead_letters=bus.dead_letters,
                high_water_mark=_CHUNK * 4,
            )
            self.component = sender
            self.handled = lambda: sender.ack_frames
            self.rejected = lambda: sender.rejects.count
            self._wait_for_subscription()
        else:
            server = ReplyServer(
                endpoint,
                _accept,
                sender="fuzz-gateway",
                dead_letters=bus.dead_letters,
                report=bus.publish,
            )
            self.component = server
            self.feed = self.context.socket(zmq.DEALER)  # pipelined requests, unlike REQ
            self.feed.connect(endpoint)
            self.replies = self.feed
            self.handled = lambda: server.answered
            self.rejected = lambda: server.rejects.count

    def _bound(self, kind: int, endpoint: str) -> zmq.Socket[bytes]:
        sock = self.context.socket(kind)
        sock.setsockopt(zmq.SNDHWM, _CHUNK * 4)
        sock.bind(endpoint)
        return sock

    def _wait_for_subscription(self) -> None:
        if not self.feed.poll(10_000):
            raise TimeoutError(f"{self.socket}: the component never subscribed")
        self.feed.recv()

    def send(self, frame: bytes) -> None:
        """One frame to the component (a DEALER adds the REP socket's empty delimiter)."""
        if self.replies is not None:
            self.feed.send_multipart([b"", frame])
        else:
            self.feed.send(frame)

    def drain_replies(self) -> None:
        """Read the REP socket's answers, so its queue never fills."""
        if self.replies is None:
            return
        while True:
            try:
                self.replies.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return

    def close(self) -> None:
        """Close the component and the feed."""
        self.feed.close(linger=0)
        self.component.close()


def _accept(event: EventBase) -> EventBase:
    order_id = getattr(event, "order_id", "")
    return OrderAccepted(ts_event_ns=1, order_id=order_id or "none", instrument="ACME")


def fuzz_socket(socket: str, count: int, folder: Path, seed: int = 15) -> FuzzRun:
    """Send ``count`` fuzzed frames and one valid frame to ``socket`` (one of
    :data:`SOCKETS`); what it accepted and rejected, and how it kept the rejects."""
    bus = EventBus(dead_letter_capacity=count + 10)
    errors: list[EventBase] = []
    bus.subscribe(ErrorEvent, errors.append)
    rng = random.Random(seed)
    rig = _Rig(socket, folder, bus)
    pump = Pump([rig.component])
    run = FuzzRun(socket, count + 1)
    frames: set[bytes] = set()
    start = time.perf_counter()
    try:
        for first in range(0, count + 1, _CHUNK):
            for n in range(first, min(first + _CHUNK, count + 1)):
                frame = _fuzzed(socket, rng, n) if n < count else _valid(socket, 10_000_000)
                frames.add(frame)
                rig.send(frame)
            deadline = time.monotonic() + 30
            while rig.handled() < min(first + _CHUNK, count + 1):
                if time.monotonic() > deadline:
                    run.errors.append(f"only {rig.handled()} of the frames were handled in time")
                    break
                pump.once(0.05)
                rig.drain_replies()
        run.seconds = time.perf_counter() - start
        run.rejected = rig.rejected()
        run.accepted = rig.handled() - run.rejected
        run.last_valid_handled = rig.handled() == count + 1
    finally:
        rig.close()
    run.dead_letters = len(bus.dead_letters)
    run.error_events = sum(
        1 for e in errors if isinstance(e, ErrorEvent) and isinstance(e.original_event, bytes)
    )
    run.raw_dead_letters = sum(
        1
        for letter in bus.dead_letters
        if isinstance(letter.event, bytes) and letter.event in frames
    )
    return run
