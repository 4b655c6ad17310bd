"""WebSocketEmitter against a real websocket server on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from tickwire.bus import EventBus
from tickwire.events import Bar, ErrorEvent, create_bar_event, encode_json
from tickwire.live import WebSocketEmitter


def test_messages_become_events_and_bad_ones_dead_letters() -> None:
    bars = [create_bar_event("AAPL", i, 1, 2 + i, 0.5, 1.5 + i, 10) for i in range(5)]
    messages: list[str | bytes] = [encode_json(b).decode() for b in bars]
    messages.insert(2, '{"_type":"Bar","open":"not a number"}')

    async def feed(connection: ServerConnection) -> None:
        for message in messages:
            await connection.send(message)
        await connection.close()

    async def main() -> tuple[list[Any], list[ErrorEvent], EventBus, WebSocketEmitter]:
        bus = EventBus()
        got: list[Any] = []
        errors: list[ErrorEvent] = []

        async def on_bar(event: Bar) -> None:
            got.append(event)

        bus.register_async(Bar, on_bar)
        bus.subscribe(ErrorEvent, errors.append)
        async with serve(feed, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            emitter = WebSocketEmitter("feed", f"ws://127.0.0.1:{port}", event_bus=bus)
            await emitter.start()
            await asyncio.wait_for(emitter.wait_closed(), 10)
        return got, errors, bus, emitter

    got, errors, bus, emitter = asyncio.run(main())
    assert got == bars
    assert emitter.received == 6 and emitter.rejected == 1
    assert len(errors) == 1 and "message 3" in errors[0].error
    (letter,) = bus.dead_letters.list()
    assert letter.event == messages[2]
