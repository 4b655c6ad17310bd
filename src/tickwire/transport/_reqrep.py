"""Request/reply between the executor and the order gateway: a REQ client with a timeout,
the lazy-pirate reconnect, and the circuit breaker of ``tickwire.execution`` around it;
and the REP server that answers with a handler.

A REQ socket that got no reply is stuck (it may not send again), so after each timeout
the client closes it and opens a new one ("lazy pirate", ZeroMQ guide chapter 4). A
request may therefore reach the server more than once: the server should be idempotent
by the request's id (an order's ``order_id``).
"""

from __future__ import annotations

from collections.abc import Callable

import zmq

from tickwire._exceptions import CircuitOpenError, DecodeError, RequestTimeout
from tickwire.bus import DeadLetterStore
from tickwire.events import ErrorEvent, EventBase, now_ns
from tickwire.execution import CircuitBreaker
from tickwire.transport._curve import Curve, ServerSecurity, bind, client_keys, connect
from tickwire.transport._envelope import FrameEncoder, decode_frame, event_tag, topic_for
from tickwire.transport._rejects import Rejects
from tickwire.transport._sockets import context_or_default, drain, receiving_socket

__all__ = ["ReplyServer", "RequestClient"]

_BURST = 1_000


class RequestClient:
    """Sends one event and waits for the reply event, ``retries`` tries of ``timeout_ms``.

    ``breaker`` (default: open after 5 requests that failed, half-open 5 s later) is
    asked before each request and told its outcome: a request that timed out on every
    try is a failure, any reply a success.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        sender: str,
        timeout_ms: int = 1_000,
        retries: int = 3,
        breaker: CircuitBreaker | None = None,
        max_message_bytes: int = 1024 * 1024,
        name: str = "orders",
        curve: Curve | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        if timeout_ms < 1 or retries < 1:
            raise ValueError(
                f"RequestClient: timeout_ms and retries must be >= 1, got {timeout_ms}, {retries}"
            )
        self.endpoint = endpoint
        self._keys = None if curve is None else client_keys(curve, f"route {name!r}")
        self.timeout_ms = timeout_ms
        self.retries = retries
        self.breaker = breaker if breaker is not None else CircuitBreaker(5, 5_000_000_000)
        self._context = context_or_default(context)
        self._max_message_bytes = max_message_bytes
        self._encoder = FrameEncoder(sender)
        self._seq = 0
        self.reconnects = 0
        """Sockets closed and reopened after a timeout."""
        self._socket = self._open()

    def request(self, event: EventBase) -> EventBase:
        """The server's reply to ``event``; RequestTimeout after ``retries`` silent tries,
        CircuitOpenError (nothing sent) while the breaker is open."""
        if not self.breaker.allow():
            raise CircuitOpenError(
                f"request to {self.endpoint}: the circuit breaker is open after "
                f"{self.breaker.consecutive_failures} failed requests"
            )
        frame = self._encoder.frame(
            topic_for(event).encode(), event_tag(type(event)), self._seq, [event]
        )
        self._seq += 1
        for _ in range(self.retries):
            if self._sent(frame) and self._socket.poll(self.timeout_ms, zmq.POLLIN):
                reply = self._socket.recv()
                self.breaker.record_success()
                try:
                    return decode_frame(reply).events[0]
                except DecodeError as exc:
                    raise DecodeError(f"reply from {self.endpoint}: {exc}") from None
            self._socket.close()
            self._socket = self._open()
            self.reconnects += 1
        self.breaker.record_failure()
        raise RequestTimeout(
            f"request to {self.endpoint}: no reply to {self.retries} tries of {self.timeout_ms} ms"
        )

    def close(self) -> None:
        """Close the socket."""
        self._socket.close()

    def _sent(self, frame: bytearray) -> bool:
        """Whether ``frame`` left within the timeout: a REQ socket with no connection
        (the server down, or a handshake it refused) blocks a send, here bounded."""
        try:
            self._socket.send(frame)
        except zmq.Again:
            return False
        return True

    def _open(self) -> zmq.Socket[bytes]:
        sock = receiving_socket(
            self._context, zmq.REQ, high_water_mark=1, max_message_bytes=self._max_message_bytes
        )
        sock.setsockopt(zmq.SNDTIMEO, self.timeout_ms)
        connect(sock, self.endpoint, self._keys)
        return sock


class ReplyServer:
    """Binds ``endpoint`` and answers each request with ``handler(event)``.

    A request that does not decode is answered with an ErrorEvent (a REP socket must
    answer every request) and kept as a dead letter; so is a handler that raised.
    """

    def __init__(
        self,
        endpoint: str,
        handler: Callable[[EventBase], EventBase],
        *,
        sender: str,
        dead_letters: DeadLetterStore,
        report: Callable[[EventBase], None] | None = None,
        name: str = "orders",
        max_message_bytes: int = 1024 * 1024,
        curve: Curve | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        self.name = name
        self._handler = handler
        context = context_or_default(context)
        self._security = (
            None if curve is None else ServerSecurity(context, curve, f"route {name!r}")
        )
        self._encoder = FrameEncoder(sender)
        self._seq = 0
        self.rejects = Rejects(f"transport.{name}", report or (lambda event: None), dead_letters)
        self.answered = 0
        sock = receiving_socket(
            context,
            zmq.REP,
            high_water_mark=1_000,
            max_message_bytes=max_message_bytes,
        )
        self._socket = sock
        self.bound = bind(sock, endpoint, self._security, name)

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The socket a pump waits on."""
        return (self._socket,)

    def next_due_ns(self) -> int | None:
        """A server has no timers."""
        return None

    def poll(self) -> int:
        """Answer the requests that have arrived; how many."""
        return drain(self._socket, self._reply, _BURST)

    def _reply(self, frame: bytes) -> None:
        reply = self._answer(frame)
        topic = topic_for(reply).encode()
        self._socket.send(self._encoder.frame(topic, event_tag(type(reply)), self._seq, [reply]))
        self._seq += 1
        self.answered += 1

    def _answer(self, frame: bytes) -> EventBase:
        try:
            request = decode_frame(frame).events[0]
            return self._handler(request)
        except Exception as exc:  # a bad request or a failing handler: answered all the same
            self.rejects.reject(frame, exc)
            return ErrorEvent(
                ts_event_ns=now_ns(),
                component=f"transport.{self.name}",
                error=str(exc),
                error_type=type(exc).__name__,
            )

    def stats(self) -> dict[str, int | str]:
        """Counts for a status view."""
        return {
            "route": self.name,
            "answered": self.answered,
            "rejected_frames": self.rejects.count,
        }

    def close(self) -> None:
        """Close the socket and leave the authenticator."""
        self._socket.close()
        if self._security is not None:
            self._security.close()
