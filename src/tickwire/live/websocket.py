"""A websocket market-data feed (seed 003's ``WebSocketEmitter``).

Each text or binary message is decoded into an event and emitted on the bus. By
default messages are tickwire events in JSON (``tickwire.events.encode_json``); pass
``parse`` to adapt an exchange's own format. A message that cannot be parsed is not
lost: it becomes a dead letter (the raw message) and an :class:`ErrorEvent`, and the
feed keeps going.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tickwire.bus import DeadLetter, EventBus
from tickwire.events import ErrorEvent, decode_json, now_ns

__all__ = ["WebSocketEmitter"]

Parser = Callable[[str | bytes], Any]


class WebSocketEmitter:
    """Connects to ``url`` and emits every message it receives as an event on the bus."""

    def __init__(
        self,
        name: str,
        url: str,
        event_bus: EventBus,
        *,
        parse: Parser = decode_json,
    ) -> None:
        self.name = name
        self.url = url
        self.event_bus = event_bus
        self.parse = parse
        self.received = 0
        self.rejected = 0
        self._connection: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and start emitting in the background."""
        self._connection = await connect(self.url)
        self._reader = asyncio.create_task(self._read(self._connection))

    async def wait_closed(self) -> None:
        """Wait until the server closes the connection (or :meth:`stop` is called)."""
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def stop(self) -> None:
        """Close the connection and stop emitting."""
        if self._connection is not None:
            await self._connection.close()
        await self.wait_closed()

    async def _read(self, connection: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in connection:
                self.received += 1
                try:
                    event = self.parse(message)
                except Exception as exc:
                    self._reject(message, exc)
                    continue
                await self.event_bus.emit_async(event)

    def _reject(self, message: str | bytes, exc: Exception) -> None:
        self.rejected += 1
        bus = self.event_bus
        bus.dead_letters.add(DeadLetter(message, f"{self.name}.parse", exc))
        bus.publish(
            ErrorEvent(
                ts_event_ns=now_ns(),
                component=self.name,
                error=f"message {self.received} from {self.url}: {exc}",
                error_type=type(exc).__qualname__,
                original_event=message if isinstance(message, str) else message.hex(),
            )
        )
