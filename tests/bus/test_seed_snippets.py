"""The design documents' bus snippets with their event forms: seed 002's keyword
``Event`` and extended ``EventType`` through the bus and the ``EventEngine``, seed 001's
events to category subscribers, and the usage guide's ``use_weak_refs`` (strong by
default in tickwire, as the EventBus docstring says and why)."""

from __future__ import annotations

import ast
import gc
import inspect
from pathlib import Path
from typing import Any

import tickwire.bus._bus
from tickwire.bus import EventBus, EventEngine, EventListener
from tickwire.events import Bar, Event, EventType, TickEvent, create_bar_event


class SeedBusEventType(EventType):
    SEEDBUS_PREDICTION = 6100
    SEEDBUS_RISK_ALERT = 6101


class PriceMonitor(EventListener):
    """Seed 002's example listener, as the document writes it."""

    def __init__(self, name: str) -> None:
        super().__init__(name, [EventType.MARKET_DATA])
        self.last_prices: dict[str, float] = {}

    def handle_event(self, event: Any) -> None:
        if "symbol" in event.data and "price" in event.data:
            self.last_prices[event.data["symbol"]] = event.data["price"]


def test_keyword_events_reach_category_subscribers_of_an_extended_event_type() -> None:
    bus = EventBus()
    predictions: list[Any] = []
    alerts: list[Any] = []
    bus.register(SeedBusEventType.SEEDBUS_PREDICTION, predictions.append)
    bus.register(EventType.SEEDBUS_RISK_ALERT, alerts.append)  # type: ignore[attr-defined]
    prediction = Event(
        event_type=SeedBusEventType.SEEDBUS_PREDICTION, data={"score": 0.9}, source="model"
    )
    alert = Event(event_type=SeedBusEventType.SEEDBUS_RISK_ALERT, data={}, source="risk")
    bus.emit(prediction)
    bus.emit(alert)
    assert predictions == [prediction]
    assert alerts == [alert]
    counts = bus.get_stats()["event_counts"]
    assert counts["SEEDBUS_PREDICTION"] == counts["SEEDBUS_RISK_ALERT"] == 1


def test_the_event_engine_delivers_keyword_events_to_seed_002s_listener() -> None:
    engine = EventEngine()
    monitor = PriceMonitor("price_monitor")
    engine.register_listener(monitor)
    engine.start()
    engine.put(
        Event(
            event_type=EventType.MARKET_DATA,
            data={"symbol": "ETH-USD", "price": 3500.25, "volume": 10.5},
            source="exchange_connector",
        )
    )
    engine.put(Event(EventType.MARKET_DATA, {"symbol": "BTC-USD", "price": 65000.0}))
    engine.stop()  # processes what is queued, then stops
    assert monitor.last_prices == {"ETH-USD": 3500.25, "BTC-USD": 65000.0}


def test_seed_001_ticks_reach_market_data_subscribers() -> None:
    bus = EventBus()
    got: list[Any] = []
    bus.subscribe(EventType.MARKET_DATA, got.append)
    tick = TickEvent(None, "ES", 5000.25, 5000.5, 3, 4)
    bus.publish(tick)
    assert got == [tick]


class Logger:
    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    def on_bar(self, bar: Bar) -> None:
        self.seen.append(bar)


def test_strong_references_are_the_default_and_keep_a_temporary_objects_method() -> None:
    assert inspect.signature(EventBus).parameters["use_weak_refs"].default is False
    seen_strong: list[Any] = []
    seen_weak: list[Any] = []
    strong = EventBus()
    weak = EventBus(use_weak_refs=True)
    strong.subscribe(Bar, Logger(seen_strong).on_bar)
    weak.subscribe(Bar, Logger(seen_weak).on_bar)
    gc.collect()
    for bus in (strong, weak):
        bus.publish(create_bar_event("AAPL", None, 150, 152, 149, 151))
    assert len(seen_strong) == 1
    assert seen_weak == []  # the classic bug weak-by-default would make silent


def test_the_event_bus_docstring_says_the_default_and_why() -> None:
    # Read from the source: the compiled build does not keep class docstrings.
    source = Path(tickwire.bus._bus.__file__).with_name("_bus.py").read_text()
    tree = ast.parse(source)
    doc = next(
        ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name == "EventBus"
    )
    assert "strongly by default" in doc
    assert "use_weak_refs=True" in doc
    assert "Logger().on_bar" in doc
