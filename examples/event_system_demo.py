"""Synchronous event handling, as in the usage guide: bars -> strategy -> signals -> executor.

Run: python examples/event_system_demo.py
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from tickwire.bus import ChainHandler, EventBus, EventManager, FilterHandler
from tickwire.events import (
    BarEvent,
    ErrorEvent,
    EventType,
    SignalEvent,
    create_bar_event,
    create_signal_event,
)


class SimpleStrategy:
    """Buys when the close rises above its 5-bar average, sells when it falls below."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.event_bus: EventBus | None = None
        self.closes: list[float] = []
        self.above: bool | None = None

    def set_event_bus(self, event_bus: EventBus) -> None:
        self.event_bus = event_bus

    def on_bar(self, event: Any) -> None:
        if not isinstance(event, BarEvent) or event.get_symbol() != self.symbol:
            return
        price = event.get_close()
        self.closes = [*self.closes[-4:], price]
        if len(self.closes) < 5:
            return
        above = price > sum(self.closes) / 5
        if above != self.above and self.above is not None and self.event_bus:
            side = SignalEvent.BUY if above else SignalEvent.SELL
            self.event_bus.emit(
                create_signal_event(side, price, self.symbol, "simple_strategy", quantity=10)
            )
        self.above = above


class SimpleExecutor:
    """Turns signals into (printed) orders."""

    def __init__(self) -> None:
        self.orders: list[str] = []

    def on_signal(self, event: SignalEvent) -> None:
        order = f"{event.side} {event.quantity:g} {event.instrument} @ {event.trigger_price:.2f}"
        self.orders.append(order)
        print(f"  executor: {order}  (confidence {event.confidence:.1f})")


def main() -> None:
    event_bus = EventBus(use_weak_refs=True)
    event_manager = EventManager(event_bus)
    strategy = SimpleStrategy("AAPL")
    executor = SimpleExecutor()
    event_manager.register_component("strategy", strategy, [EventType.BAR])
    event_manager.register_component("executor", executor, [EventType.SIGNAL])

    # A filter chain: only AAPL bars, and of those only closes above 150.
    big_moves: list[float] = []
    apple_filter = FilterHandler("apple", lambda e: e.get_symbol() == "AAPL", lambda e: True)
    high_filter = FilterHandler(
        "high", lambda e: e.get_close() > 150, lambda e: big_moves.append(e.get_close())
    )
    chain = ChainHandler("apple_high", [apple_filter, high_filter])
    event_bus.register(EventType.BAR, chain.handle)
    event_bus.subscribe(ErrorEvent, lambda e: print(f"  error in {e.component}: {e.error}"))

    start = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
    print("Publishing 40 bars for AAPL and MSFT...")
    for i in range(40):
        when = start + timedelta(minutes=i)
        price = 150 + 3 * math.sin(i / 4)
        for symbol, offset in (("AAPL", 0.0), ("MSFT", 250.0)):
            close = price + offset
            event_bus.emit(
                create_bar_event(symbol, when, close - 0.2, close + 0.5, close - 0.6, close, 10_000)
            )

    stats = event_bus.get_stats()
    print(f"Orders placed: {len(executor.orders)}")
    print(f"AAPL closes above 150: {len(big_moves)}")
    print(f"Active handlers: {stats['active_handlers']}")
    print(f"Event counts: {stats['event_counts']}")
    print(f"Errors: {stats['errors']}")


if __name__ == "__main__":
    main()
