"""Asynchronous event handling over a real websocket.

A tiny exchange server on 127.0.0.1 streams bars as JSON; a WebSocketEmitter feeds
them into the bus; an async strategy emits signals that an async executor handles.

Run: python examples/async_event_system_demo.py
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from tickwire.bus import EventBus, EventManager
from tickwire.events import (
    BarEvent,
    EventType,
    SignalEvent,
    create_bar_event,
    create_signal_event,
    encode_json,
)
from tickwire.live import WebSocketEmitter

BARS = 30


async def exchange(connection: ServerConnection) -> None:
    """Streams BARS one-minute bars for AAPL, then closes the connection."""
    for i in range(BARS):
        close = 150 + 4 * math.sin(i / 3)
        bar = create_bar_event(
            "AAPL",
            1_700_000_000_000_000_000 + i * 60_000_000_000,
            close,
            close + 0.5,
            close - 0.5,
            close,
            5_000,
        )
        await connection.send(encode_json(bar).decode())
    await connection.close()


class AsyncStrategy:
    """Signals a buy when a bar closes more than 0.5% above the previous close."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.event_bus: EventBus | None = None
        self.last: float | None = None

    def set_event_bus(self, event_bus: EventBus) -> None:
        self.event_bus = event_bus

    async def on_bar(self, event: Any) -> None:
        if not isinstance(event, BarEvent) or event.get_symbol() != self.symbol:
            return
        price = event.get_close()
        if self.last is not None and price > self.last * 1.005 and self.event_bus:
            signal = create_signal_event(SignalEvent.BUY, price, self.symbol, "async_strategy")
            await self.event_bus.emit_async(signal)
        self.last = price


class AsyncExecutor:
    def __init__(self) -> None:
        self.filled: list[float] = []

    async def on_signal(self, event: SignalEvent) -> None:
        await asyncio.sleep(0)  # stands in for a call to a broker
        self.filled.append(event.trigger_price)
        print(f"  executor: {event.side} {event.instrument} @ {event.trigger_price:.2f}")


async def main() -> None:
    event_bus = EventBus()
    event_manager = EventManager(event_bus)
    strategy, executor = AsyncStrategy("AAPL"), AsyncExecutor()
    event_manager.register_component("strategy", strategy, [EventType.BAR])
    event_manager.register_component("executor", executor, [EventType.SIGNAL])

    async with serve(exchange, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"Exchange feed on ws://127.0.0.1:{port}")
        # The demo's exchange sends one session and closes; a live feed would reconnect.
        url = f"ws://127.0.0.1:{port}"
        feed = WebSocketEmitter("exchange_feed", url, event_bus=event_bus, reconnect=False)
        await feed.start()
        await feed.wait_closed()

    print(f"Bars received: {feed.received}, signals executed: {len(executor.filled)}")
    print(f"Event counts: {event_bus.get_stats()['event_counts']}")


if __name__ == "__main__":
    asyncio.run(main())
