"""Bridges between a process's local bus and the sockets of its routes, so that strategy
code does not change: what a strategy publishes on its bus travels, and what arrives is
published on the bus as if it had been made there."""

from __future__ import annotations

import zmq

from tickwire.bus import EventBus
from tickwire.transport._config import Guarantee, Route
from tickwire.transport._processed import MemoryProcessedStore, SqliteProcessedStore
from tickwire.transport._pubsub import MarketDataPublisher, MarketDataSubscriber
from tickwire.transport._signals import SignalReceiver, SignalSender

__all__ = ["InboundBridge", "OutboundBridge"]


class OutboundBridge:
    """Forwards the route's event types from ``bus`` to its socket: a PUB for an
    at-most-once route (bound), a PUSH with acknowledgements otherwise (connected).
    Delivery errors (``SignalDeliveryError``) are published on ``bus``."""

    def __init__(
        self,
        bus: EventBus,
        route: Route,
        *,
        sender: str,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        self.route = route
        self.socket: MarketDataPublisher | SignalSender
        if route.guarantee is Guarantee.AT_MOST_ONCE:
            self.socket = MarketDataPublisher(
                route.endpoint,
                sender=sender,
                name=route.name,
                batching=route.batching,
                high_water_mark=route.high_water_mark,
                curve=route.curve,
                context=context,
            )
        else:
            self.socket = SignalSender(
                route.endpoint,
                route.ack_endpoint,
                bus.publish,
                sender=sender,
                dead_letters=bus.dead_letters,
                name=route.name,
                ack_timeout_ms=route.ack_timeout_ms,
                max_attempts=route.max_attempts,
                high_water_mark=route.high_water_mark,
                curve=route.curve,
                context=context,
            )
        for cls in route.classes():
            bus.subscribe(cls, self.socket.publish)

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The sockets a pump waits on."""
        return self.socket.sockets

    def poll(self) -> int:
        """Send due batches or retries, take acknowledgements."""
        return self.socket.poll()

    def next_due_ns(self) -> int | None:
        """The socket's next timer."""
        return self.socket.next_due_ns()

    def stats(self) -> dict[str, int | str]:
        """The socket's counts, with the route's guarantee as configured."""
        return {**self.socket.stats(), "guarantee": str(self.route.guarantee)}

    def close(self) -> None:
        """Send what is pending (market data) and close."""
        self.socket.close()


class InboundBridge:
    """Publishes on ``bus`` what arrives on the route's socket: a SUB (connected) for an
    at-most-once route, a PULL with acknowledgements (bound) otherwise; exactly-once
    keeps processed ids in the SQLite file ``route.store_path``, at-least-once in memory."""

    def __init__(
        self,
        bus: EventBus,
        route: Route,
        *,
        receiver: str = "executor",
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        self.route = route
        self.socket: MarketDataSubscriber | SignalReceiver
        if route.guarantee is Guarantee.AT_MOST_ONCE:
            self.socket = MarketDataSubscriber(
                route.endpoint,
                bus.publish,
                dead_letters=bus.dead_letters,
                topics=route.topics,
                name=route.name,
                high_water_mark=route.high_water_mark,
                max_message_bytes=route.max_message_bytes,
                curve=route.curve,
                context=context,
            )
        else:
            exactly_once = route.guarantee is Guarantee.EXACTLY_ONCE
            self.socket = SignalReceiver(
                route.endpoint,
                route.ack_endpoint,
                bus.publish,
                store=SqliteProcessedStore(route.store_path)
                if exactly_once
                else MemoryProcessedStore(),
                dead_letters=bus.dead_letters,
                name=route.name,
                receiver=receiver,
                guarantee=route.guarantee,
                high_water_mark=route.high_water_mark,
                max_message_bytes=route.max_message_bytes,
                curve=route.curve,
                context=context,
            )

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The sockets a pump waits on."""
        return self.socket.sockets

    def poll(self) -> int:
        """Publish what has arrived on the bus."""
        return self.socket.poll()

    def next_due_ns(self) -> int | None:
        """The socket's next timer (none)."""
        return self.socket.next_due_ns()

    def stats(self) -> dict[str, int | str]:
        """The socket's counts, with the route's guarantee as configured."""
        return {**self.socket.stats(), "guarantee": str(self.route.guarantee)}

    def close(self) -> None:
        """Close the socket."""
        self.socket.close()
