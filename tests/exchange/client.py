"""A plain websockets order client for the tests: requests by ``req``, pushes collected."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class OrderClient:
    """Sends order-protocol requests and matches replies by ``req``; keeps every push."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.pushes: list[dict[str, Any]] = []
        self.replies: dict[Any, dict[str, Any]] = {}
        self._numbers = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str) -> OrderClient:
        return cls(await connect(f"{url}/orders", close_timeout=1))

    async def close(self) -> None:
        await self.connection.close()
        await self._reader

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._read_until_closed()

    async def _read_until_closed(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            async with self._arrived:
                if message["type"] == "reply":
                    self.replies[message["req"]] = message
                else:
                    self.pushes.append(message)
                self._arrived.notify_all()

    async def send(self, op: str, **fields: Any) -> Any:
        """Send a request without waiting for its reply; returns its ``req``."""
        req = next(self._numbers)
        await self.connection.send(json.dumps({"op": op, "req": req, **fields}))
        return req

    async def request(self, op: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        return await self.reply(await self.send(op, **fields), timeout)

    async def reply(self, req: Any, timeout: float = 10.0) -> dict[str, Any]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: req in self.replies), timeout)
            return self.replies[req]

    async def wait_for_push(self, test: Any, timeout: float = 10.0) -> dict[str, Any]:
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: any(test(p) for p in self.pushes)), timeout
            )
            return next(p for p in self.pushes if test(p))
