"""EventManager.register_component, as the 'Event-Driven Trading System Usage Guide' uses
it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tickwire.bus import EventBus, EventManager
from tickwire.events import (
    Bar,
    BarEvent,
    EventBase,
    EventType,
    OrderFilled,
    SignalEvent,
    Tick,
    create_bar_event,
    create_signal_event,
    register_event_type,
)


class SimpleStrategy:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.event_bus: Any = None
        self.started = self.stopped = 0

    def set_event_bus(self, event_bus: Any) -> None:
        self.event_bus = event_bus

    def on_bar(self, event: Any) -> None:
        if not isinstance(event, BarEvent) or event.get_symbol() != self.symbol:
            return
        signal = create_signal_event(SignalEvent.BUY, event.get_close(), self.symbol, "simple")
        self.event_bus.emit(signal)

    def start(self) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1


class SimpleExecutor:
    def __init__(self) -> None:
        self.signals: list[Any] = []

    def on_signal(self, event: Any) -> None:
        self.signals.append(event)


def test_the_guides_flow_bar_to_signal_to_executor() -> None:
    bus = EventBus(use_weak_refs=True)
    manager = EventManager(bus)
    strategy, executor = SimpleStrategy("AAPL"), SimpleExecutor()
    manager.register_component("strategy", strategy, [EventType.BAR])
    manager.register_component("executor", executor, [EventType.SIGNAL])
    assert strategy.event_bus is bus
    bus.emit(create_bar_event("AAPL", None, 150.0, 152.0, 149.0, 151.0, 10000))
    bus.emit(create_bar_event("MSFT", None, 1, 1, 1, 1))
    assert len(executor.signals) == 1
    assert executor.signals[0].get_symbol() == "AAPL"
    assert executor.signals[0].trigger_price == 151.0


def test_start_stop_and_unregister() -> None:
    bus = EventBus()
    manager = EventManager(bus)
    strategy = SimpleStrategy("AAPL")
    manager.register_component("strategy", strategy, [Bar])
    manager.start()
    manager.start()
    assert strategy.started == 1
    assert manager.unregister_component("strategy") is strategy
    assert strategy.stopped == 1
    assert bus.get_stats()["active_handlers"] == 0
    with pytest.raises(KeyError):
        manager.unregister_component("strategy")


def test_async_components_and_class_routing_and_discovery() -> None:
    class AsyncStrategy:
        def __init__(self) -> None:
            self.fills: list[Any] = []
            self.bars: list[Any] = []

        async def on_bar(self, event: Any) -> None:
            self.bars.append(event)

        def on_order_filled(self, event: Any) -> None:
            self.fills.append(event)

    bus = EventBus()
    manager = EventManager(bus)
    component = AsyncStrategy()
    manager.register_component("s", component)  # discovered: BAR/Bar and OrderFilled
    bar = create_bar_event("X", 1, 1, 1, 1, 1)
    asyncio.run(bus.emit_async(bar))
    bus.publish(OrderFilled(ts_event_ns=1, order_id="o", instrument="X"))
    assert component.bars == [bar]
    assert len(component.fills) == 1


def test_missing_handler_method_is_a_clear_error() -> None:
    manager = EventManager(EventBus())
    with pytest.raises(TypeError, match="on_signal"):
        manager.register_component("x", object(), [EventType.SIGNAL])
    with pytest.raises(ValueError, match="already"):
        manager.register_component("e", SimpleExecutor(), [EventType.SIGNAL])
        manager.register_component("e", SimpleExecutor(), [EventType.SIGNAL])


def test_discovery_knows_built_in_and_registered_event_types_only() -> None:
    class Forecast(EventBase, frozen=True, kw_only=True, tag="tests.bus.Forecast"):
        pass

    class Component:
        def __init__(self) -> None:
            self.seen: list[Any] = []

        def on_forecast(self, event: Any) -> None:
            self.seen.append(event)

        def on_tick(self, event: Any) -> None:
            self.seen.append(event)

    bus = EventBus()
    manager = EventManager(bus)
    before, after = Component(), Component()
    manager.register_component("before", before)  # Forecast is not registered yet
    register_event_type(Forecast)
    manager.register_component("after", after)
    tick = Tick(ts_event_ns=1, instrument="X", bid=1.0, ask=1.0)
    forecast = Forecast(ts_event_ns=1)
    bus.publish(tick)
    bus.publish(forecast)
    assert before.seen == [tick]
    assert after.seen == [tick, forecast]
