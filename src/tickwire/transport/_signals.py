"""Signals over PUSH/PULL, at least once, with an exactly-once effect at the receiver.

::

    sender  PUSH --connect--> PULL  receiver (binds route.endpoint)
    sender  SUB  --connect--> PUB   receiver (binds route.ack_endpoint), topic ACK.<sender>

The sender keeps each event until a :class:`~tickwire.events.SignalAck` for its ``id``
arrives; after ``ack_timeout_ms`` it sends the same frame again, and after
``max_attempts`` sends it gives up with a :class:`~tickwire.events.SignalDeliveryError`.
The receiver claims each id in its :class:`ProcessedStore` before delivering the event,
completes it after, and acknowledges it; a repeat (a retry, or a sender that never saw
the ack) is acknowledged again and not delivered.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import zmq

from tickwire._exceptions import DecodeError
from tickwire.bus import DeadLetter, DeadLetterStore
from tickwire.events import CancelOrder, ErrorEvent, EventBase, Signal, SubmitOrder, now_ns
from tickwire.events.delivery import SignalAck, SignalDeliveryError
from tickwire.transport._config import Guarantee
from tickwire.transport._curve import Curve, ServerSecurity, bind, client_keys, connect
from tickwire.transport._envelope import (
    TOPIC_SEPARATOR,
    FrameEncoder,
    decode_frame,
    event_tag,
    topic_for,
)
from tickwire.transport._processed import Claim, ProcessedStore
from tickwire.transport._rejects import Rejects
from tickwire.transport._sockets import context_or_default, drain, receiving_socket

__all__ = ["SignalReceiver", "SignalSender"]

_BURST = 1_000


@dataclass(slots=True)
class _InFlight:
    """A sent event waiting for its acknowledgement."""

    event: Signal | SubmitOrder | CancelOrder
    frame: bytes
    attempts: int
    due_ns: int


class SignalSender:
    """Sends events with an ``id`` (signals, order requests) until each is acknowledged.

    ``report`` receives the :class:`SignalDeliveryError` of each event given up on, and
    the ErrorEvent of each bad frame on the ack socket (the local bus's ``publish``).
    """

    guarantee = Guarantee.AT_LEAST_ONCE

    def __init__(
        self,
        endpoint: str,
        ack_endpoint: str,
        report: Callable[[EventBase], None],
        *,
        sender: str,
        dead_letters: DeadLetterStore,
        name: str = "signals",
        ack_timeout_ms: int = 1_000,
        max_attempts: int = 3,
        high_water_mark: int = 10_000,
        curve: Curve | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.name = name
        self.sender = sender
        keys = None if curve is None else client_keys(curve, f"route {name!r}")
        self._report = report
        self._encoder = FrameEncoder(sender)
        self._timeout_ns = ack_timeout_ms * 1_000_000
        self._max_attempts = max_attempts
        self._clock = clock
        self._in_flight: dict[str, _InFlight] = {}
        self._seq: dict[bytes, int] = {}
        self.rejects = Rejects(f"transport.{name}.acks", report, dead_letters)
        self.sent = 0
        self.retried = 0
        self.acked = 0
        self.gave_up = 0
        self.ack_frames = 0
        """Frames read on the ack socket (acks, repeats, and rejected frames)."""
        self.blocked_sends = 0
        """Sends refused at the high-water mark (retried at the timeout like lost ones)."""
        context = context_or_default(context)
        push = context.socket(zmq.PUSH)
        push.setsockopt(zmq.SNDHWM, high_water_mark)
        push.setsockopt(zmq.LINGER, 0)
        connect(push, endpoint, keys)
        acks = receiving_socket(
            context, zmq.SUB, high_water_mark=high_water_mark, max_message_bytes=64 * 1024
        )
        acks.setsockopt(zmq.SUBSCRIBE, topic_for(_ack_probe(sender)).encode() + TOPIC_SEPARATOR)
        connect(acks, ack_endpoint, keys)
        self._push = push
        self._acks = acks

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The socket a pump waits on (acknowledgements)."""
        return (self._acks,)

    @property
    def in_flight(self) -> int:
        """Events sent and not yet acknowledged."""
        return len(self._in_flight)

    def publish(self, event: EventBase) -> None:
        """Send ``event`` and keep it until it is acknowledged."""
        if not isinstance(event, Signal | SubmitOrder | CancelOrder):
            raise TypeError(
                f"{self.name}: at-least-once carries Signal, SubmitOrder and CancelOrder "
                f"(events with an id), not {type(event).__name__}"
            )
        if event.id in self._in_flight:
            return
        topic = topic_for(event).encode()
        seq = self._seq.get(topic, 0)
        self._seq[topic] = seq + 1
        frame = bytes(self._encoder.frame(topic, event_tag(type(event)), seq, [event]))
        flight = _InFlight(event, frame, 0, 0)
        self._in_flight[event.id] = flight
        self.sent += 1
        self._transmit(flight)

    def next_due_ns(self) -> int | None:
        """When the oldest unacknowledged event is due again (monotonic ns), or None."""
        return min((flight.due_ns for flight in self._in_flight.values()), default=None)

    def poll(self) -> int:
        """Take acknowledgements, resend what timed out, give up past ``max_attempts``."""
        handled = self._read_acks()
        if not self._in_flight:
            return handled
        now = self._clock()
        for event_id, flight in list(self._in_flight.items()):
            if flight.due_ns > now:
                continue
            if flight.attempts >= self._max_attempts:
                del self._in_flight[event_id]
                self.gave_up += 1
                self._report(
                    SignalDeliveryError(
                        ts_event_ns=now_ns(),
                        signal_id=event_id,
                        route=self.name,
                        attempts=flight.attempts,
                        reason=(
                            f"no acknowledgement within {self._timeout_ns // 1_000_000} ms "
                            f"of each of {flight.attempts} sends"
                        ),
                        signal=flight.event,
                    )
                )
                continue
            self.retried += 1
            self._transmit(flight)
            handled += 1
        return handled

    def stats(self) -> dict[str, int | str]:
        """Counts for a status view: sent, retried, acked, given up, the guarantee."""
        return {
            "route": self.name,
            "guarantee": str(self.guarantee),
            "sent": self.sent,
            "retried": self.retried,
            "acked": self.acked,
            "gave_up": self.gave_up,
            "in_flight": len(self._in_flight),
            "blocked_sends": self.blocked_sends,
            "ack_frames": self.ack_frames,
            "rejected_frames": self.rejects.count,
        }

    def close(self) -> None:
        """Close both sockets (what is in flight is forgotten)."""
        self._push.close()
        self._acks.close()

    def _transmit(self, flight: _InFlight) -> None:
        flight.attempts += 1
        flight.due_ns = self._clock() + self._timeout_ns
        try:
            self._push.send(flight.frame, zmq.NOBLOCK)
        except zmq.Again:
            self.blocked_sends += 1

    def _read_acks(self) -> int:
        return drain(self._acks, self._on_ack_frame, _BURST)

    def _on_ack_frame(self, frame: bytes) -> None:
        self.ack_frames += 1
        try:
            message = decode_frame(frame)
        except DecodeError as exc:
            self.rejects.reject(frame, exc)
            return
        for ack in message.events:
            if isinstance(ack, SignalAck) and self._in_flight.pop(ack.signal_id, None) is not None:
                self.acked += 1


def _ack_probe(sender: str) -> SignalAck:
    """An ack to ``sender``, for its topic."""
    return SignalAck(ts_event_ns=0, signal_id="", sender=sender)


class SignalReceiver:
    """Binds the PULL and ack PUB sockets and delivers each id once to ``deliver``.

    ``store`` remembers processed ids: a :class:`SqliteProcessedStore` makes the effect
    exactly once across restarts; a :class:`MemoryProcessedStore` within one run
    (at-least-once). At start, ids an earlier run claimed and never completed are each
    reported as an ErrorEvent (in doubt) and never delivered.
    """

    def __init__(
        self,
        endpoint: str,
        ack_endpoint: str,
        deliver: Callable[[EventBase], None],
        *,
        store: ProcessedStore,
        dead_letters: DeadLetterStore,
        name: str = "signals",
        receiver: str = "executor",
        guarantee: Guarantee = Guarantee.EXACTLY_ONCE,
        high_water_mark: int = 10_000,
        max_message_bytes: int = 1024 * 1024,
        curve: Curve | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        self.name = name
        self.guarantee = guarantee
        context = context_or_default(context)
        self._security = (
            None if curve is None else ServerSecurity(context, curve, f"route {name!r}")
        )
        self._deliver = deliver
        self._store = store
        self._dead_letters = dead_letters
        self._receiver = receiver
        self._encoder = FrameEncoder(receiver)
        self._ack_seq: dict[bytes, int] = {}
        self.rejects = Rejects(f"transport.{name}", deliver, dead_letters)
        self.delivered = 0
        self.duplicates = 0
        self.failed = 0
        self.in_doubt = store.recover()
        """Ids an earlier run claimed and never completed (reported, not delivered)."""
        pull = receiving_socket(
            context, zmq.PULL, high_water_mark=high_water_mark, max_message_bytes=max_message_bytes
        )
        acks = context.socket(zmq.PUB)
        acks.setsockopt(zmq.SNDHWM, high_water_mark)
        acks.setsockopt(zmq.LINGER, 0)
        self._pull = pull
        self._acks = acks
        self.bound = bind(pull, endpoint, self._security, name)
        self.ack_bound = bind(acks, ack_endpoint, self._security, name)
        for event_id in self.in_doubt:
            deliver(
                ErrorEvent(
                    ts_event_ns=now_ns(),
                    component=f"transport.{name}",
                    error=(
                        f"{event_id} was being processed when an earlier run stopped: it is not "
                        "processed again (whether its order was placed is for the venue to tell)"
                    ),
                    error_type="InDoubt",
                )
            )

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The socket a pump waits on."""
        return (self._pull,)

    def next_due_ns(self) -> int | None:
        """A receiver has no timers."""
        return None

    def poll(self) -> int:
        """Process what has arrived (up to a burst); how many frames."""
        return drain(self._pull, self._handle, _BURST)

    def _handle(self, frame: bytes) -> None:
        try:
            message = decode_frame(frame)
        except DecodeError as exc:
            self.rejects.reject(frame, exc)
            return
        events = message.events
        with_ids = [e for e in events if isinstance(e, Signal | SubmitOrder | CancelOrder)]
        if len(with_ids) != len(events):
            error = DecodeError(
                f"{self.name}: a {type(events[0]).__name__} has no id to acknowledge; this "
                "route takes Signal, SubmitOrder and CancelOrder"
            )
            self.rejects.reject(frame, error)
            return
        for event in with_ids:
            claim = self._store.claim(event.id)
            if claim is Claim.NEW:
                self._process(event)
                self._store.complete(event.id)
            else:
                self.duplicates += 1
            self._ack(message.sender, event.id, duplicate=claim is not Claim.NEW)

    def _process(self, event: EventBase) -> None:
        try:
            self._deliver(event)
        except Exception as exc:  # processed, but failed: kept, not retried forever
            self.failed += 1
            self._dead_letters.add(DeadLetter(event, f"transport.{self.name}", exc))
        else:
            self.delivered += 1

    def _ack(self, sender: str, event_id: str, *, duplicate: bool) -> None:
        ack = SignalAck(
            ts_event_ns=now_ns(),
            signal_id=event_id,
            sender=sender,
            receiver=self._receiver,
            duplicate=duplicate,
        )
        topic = topic_for(ack).encode()
        seq = self._ack_seq.get(topic, 0)
        self._ack_seq[topic] = seq + 1
        frame = self._encoder.frame(topic, event_tag(SignalAck), seq, [ack])
        with contextlib.suppress(zmq.Again):  # lost: the sender retries, and is acked again
            self._acks.send(frame, zmq.NOBLOCK)

    def stats(self) -> dict[str, int | str]:
        """Counts for a status view: delivered, repeats, in doubt, the guarantee."""
        return {
            "route": self.name,
            "guarantee": str(self.guarantee),
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "in_doubt": len(self.in_doubt),
            "rejected_frames": self.rejects.count,
        }

    def close(self) -> None:
        """Close both sockets and the store."""
        self._pull.close()
        self._acks.close()
        if self._security is not None:
            self._security.close()
        self._store.close()
