"""Websocket connections that hand each whole text message to a callback as it is read.

``websockets`` queues a parsed message and wakes the task reading the connection: a
loop iteration and a chain of coroutine resumptions per message, which on the order
path (requests and replies of a few hundred bytes) is a good part of a round trip.
With ``on_text`` set, an unfragmented text frame is passed to it straight from the
connection's ``data_received``, in the order the frames arrived; a handler that
declines one (returns False) leaves it to the library's queue. Everything else goes the
library's way too (fragmented messages, binary frames, control frames, the closing
handshake), so ``recv`` and ``async for`` still see those: the order protocol's
messages are whole text frames, and a message outside it may be answered after text
messages that came behind it.
"""

from __future__ import annotations

from collections.abc import Callable

from websockets.asyncio.client import ClientConnection
from websockets.asyncio.server import ServerConnection
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

__all__ = ["DirectClientConnection", "DirectServerConnection", "TextHandler"]

TextHandler = Callable[[bytes], bool]
"""Takes one whole text message, as its UTF-8 bytes; False leaves it to the library
(queued for ``recv``), as when a reply could not be written at once."""


class DirectClientConnection(ClientConnection):
    """A client connection passing whole text messages to ``on_text`` when it is set."""

    on_text: TextHandler | None = None

    def process_event(self, event: Event) -> None:
        if not _handed_over(self.on_text, event):
            super().process_event(event)


class DirectServerConnection(ServerConnection):
    """A server connection passing whole text messages to ``on_text`` when it is set."""

    on_text: TextHandler | None = None

    def process_event(self, event: Event) -> None:
        if not _handed_over(self.on_text, event):
            super().process_event(event)


def _handed_over(handler: TextHandler | None, event: Event) -> bool:
    """Pass ``event`` to ``handler`` if it is an unfragmented text frame."""
    if handler is None or type(event) is not Frame:
        return False
    if event.opcode is not Opcode.TEXT or not event.fin:
        return False
    return handler(bytes(event.data))
