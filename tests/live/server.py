"""A websocket feed server on loopback for the live tests: real sockets, a scripted session."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from websockets.asyncio.server import Server, ServerConnection, serve

Session = Callable[[ServerConnection, int], Awaitable[None]]
"""What the server does on one connection (given its number, from 0)."""


class FeedServer:
    """Serves ``session`` on every connection; can be stopped and started on the same port.

    Each connection's first message (the client's subscription request) is recorded in
    ``requests``.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.port = 0
        self.connections = 0
        self.requests: list[str] = []
        self._server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        server = self._server
        if server is not None:
            server.close(close_connections=True)
            await server.wait_closed()
            self._server = None

    async def _handle(self, connection: ServerConnection) -> None:
        number = self.connections
        self.connections += 1
        with contextlib.suppress(Exception):
            await self.session(connection, number)


async def first_request(connection: ServerConnection, server: FeedServer) -> None:
    """Wait for the client's subscription request and record it."""
    request = await asyncio.wait_for(connection.recv(), 5)
    server.requests.append(request if isinstance(request, str) else request.decode())
