"""A websocket feed server on loopback in a thread of its own, for tests of ``tickwire live``
that run the command as a real process."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence

from websockets.asyncio.server import ServerConnection, serve

from tickwire.events import Bar, encode_json

__all__ = ["ThreadedFeedServer", "kline_message", "tickwire_message"]


def kline_message(bar: Bar, interval: str, interval_ms: int) -> str:
    """``bar`` as Binance sends a closed kline (prices as the shortest exact strings)."""
    open_ms = bar.ts_event_ns // 1_000_000
    return json.dumps({
        "e": "kline", "E": open_ms + interval_ms, "s": bar.instrument,
        "k": {
            "t": open_ms, "T": open_ms + interval_ms - 1, "s": bar.instrument, "i": interval,
            "f": 1, "L": 2, "o": repr(bar.open), "c": repr(bar.close), "h": repr(bar.high),
            "l": repr(bar.low), "v": repr(bar.volume), "n": 2, "x": True, "q": "0",
            "V": "0", "Q": "0", "B": "0",
        },
    })  # fmt: skip


def tickwire_message(seq: int, bar: Bar) -> str:
    """``bar`` as tickwire's own format sends it, numbered."""
    return f'{{"seq":{seq},"event":{encode_json(bar).decode()}}}'


class ThreadedFeedServer:
    """Sends ``messages`` to each client after its subscription request, ``per_second`` at
    most (0: at once), then keeps the connection open; serves until :meth:`stop`."""

    def __init__(self, messages: Sequence[str], per_second: float = 0.0) -> None:
        self.messages = list(messages)
        self.per_second = per_second
        self.port = 0
        self.requests: list[str] = []
        self.sent_all = threading.Event()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedFeedServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the feed server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve_forever(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(self._session, "127.0.0.1", 0) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    async def _session(self, connection: ServerConnection) -> None:
        request = await connection.recv()
        self.requests.append(request if isinstance(request, str) else request.decode())
        pause = 1 / self.per_second if self.per_second else 0.0
        for message in self.messages:
            await connection.send(message)
            if pause:
                await asyncio.sleep(pause)
        self.sent_all.set()
        await connection.wait_closed()
