"""The ports of what a live node starts and stops, and their adapters.

A data client is anything with ``async start()`` and ``async stop()`` (a
:class:`~tickwire.live.WebSocketFeed`, or an in-memory client in tests); one with
``async wait_closed()`` lets the node notice that it ended on its own. A component's
start and stop each run under the node's timeouts.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["DataClient", "component_name"]


@runtime_checkable
class DataClient(Protocol):
    """A source of live events the node starts before its strategies and stops after."""

    async def start(self) -> None:
        """Connect and begin publishing; return once it is up."""
        ...

    async def stop(self) -> None:
        """Stop publishing and close connections."""
        ...


def component_name(client: Any) -> str:
    """The name a data client goes by in lifecycle events: its ``name``, else its type's."""
    name = getattr(client, "name", None)
    return name if isinstance(name, str) and name else type(client).__name__
