"""The ports of what a live node starts and stops, and their adapters.

A data client is anything with ``async start()`` and ``async stop()`` (a
:class:`~tickwire.live.WebSocketFeed`, or an in-memory client in tests); one with
``async wait_closed()`` lets the node notice that it ended on its own. A component's
start and stop each run under the node's timeouts. A venue client
(:class:`~tickwire.node.venue.VenueExecution`) takes the simulated broker's place: it
is attached to the bus when the node is wired and started before the data clients.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from tickwire._types import BusLike

__all__ = ["DataClient", "VenueClient", "component_name"]


@runtime_checkable
class DataClient(Protocol):
    """A source of live events the node starts before its strategies and stops after.

    A client may also have ``hold()`` and ``release()`` (:class:`~tickwire.live.WebSocketFeed`
    has): the node holds it before starting it and releases it once the strategies are up,
    so that nothing it receives meanwhile passes them by.
    """

    async def start(self) -> None:
        """Connect and begin publishing; return once it is up."""
        ...

    async def stop(self) -> None:
        """Stop publishing and close connections."""
        ...


class VenueClient(Protocol):
    """Execution at a venue: takes approved orders and cancels from the bus, publishes
    what the venue says, and reconciles with it on :meth:`start`."""

    def attach(self, bus: BusLike, *, priority: int = 0) -> None:
        """Subscribe to the orders and cancels the node's risk manager lets through."""
        ...

    async def start(self) -> None:
        """Reconcile with the venue; raise if it cannot (the node then fails closed)."""
        ...

    async def stop(self) -> None:
        """Settle what is in flight and close the connection."""
        ...


def component_name(client: Any) -> str:
    """The name a data client goes by in lifecycle events: its ``name``, else its type's."""
    name = getattr(client, "name", None)
    return name if isinstance(name, str) and name else type(client).__name__
