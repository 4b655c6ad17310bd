"""EventEngine and EventListener, as the 'Event-Driven Architecture' design document's API
reference and unit test use them."""

from __future__ import annotations

import threading
from typing import Any
from unittest.mock import Mock

import pytest

from tickwire import BusError
from tickwire.bus import EventEngine, EventListener
from tickwire.events import Event, EventType


class Recorder(EventListener):
    def __init__(self, name: str, types: list[Any]) -> None:
        super().__init__(name, types)
        self.events: list[Event] = []
        self.threads: set[int] = set()

    def handle_event(self, event: Event) -> None:
        self.events.append(event)
        self.threads.add(threading.get_ident())


def test_the_documents_mock_listener_receives_an_event_put_before_start() -> None:
    engine = EventEngine()
    listener = Mock(spec=EventListener)
    listener.name = "listener1"
    listener.event_types = [EventType.MARKET_DATA]
    engine.register_listener(listener)
    event = Event(EventType.MARKET_DATA, {"price": 100.0})
    engine.put(event)
    engine.start()
    engine.stop()
    listener.handle_event.assert_called_once_with(event)


def test_events_processed_in_order_on_engine_thread_by_type() -> None:
    engine = EventEngine()
    prices = Recorder("prices", [EventType.MARKET_DATA])
    orders = Recorder("orders", [EventType.ORDER_UPDATE])
    engine.register_listener(prices)
    engine.register_listener(orders)
    assert [listener.name for listener in engine.get_listeners()] == ["prices", "orders"]
    engine.start()
    assert engine.is_running()
    putters = [
        threading.Thread(
            target=lambda k=k: [
                engine.put(Event(EventType.MARKET_DATA, {"k": k, "i": i})) for i in range(500)
            ]
        )
        for k in range(3)
    ]
    for thread in putters:
        thread.start()
    for thread in putters:
        thread.join()
    engine.put(Event(EventType.ORDER_UPDATE, {"order_id": "1"}))
    assert engine.wait_until_idle(timeout=10)
    engine.stop()
    assert not engine.is_running()
    assert len(prices.events) == 1500 and len(orders.events) == 1
    for k in range(3):  # per-producer order is kept
        assert [e.data["i"] for e in prices.events if e.data["k"] == k] == list(range(500))
    assert prices.threads and threading.get_ident() not in prices.threads


def test_unregister_listener() -> None:
    engine = EventEngine()
    listener = Recorder("x", [EventType.INFO])
    engine.register_listener(listener)
    engine.unregister_listener(listener)
    assert engine.get_listeners() == []
    engine.put(Event(EventType.INFO, {}))
    engine.start()
    engine.stop()
    assert listener.events == []
    with pytest.raises(KeyError):
        engine.unregister_listener(listener)


def test_critical_events_jump_the_queue() -> None:
    engine = EventEngine()
    listener = Recorder("x", [EventType.INFO, EventType.ERROR])
    engine.register_listener(listener)
    for i in range(5):
        engine.put(Event(EventType.INFO, {"i": i}))
    engine.put(Event(EventType.ERROR, {"msg": "halt"}), critical=True)
    engine.start()
    engine.stop()
    assert listener.events[0].type == EventType.ERROR
    assert [e.data["i"] for e in listener.events[1:]] == list(range(5))


def test_timer_events() -> None:
    engine = EventEngine(timer_interval=0.01)
    ticks = threading.Semaphore(0)

    class Timer(EventListener):
        def handle_event(self, event: Event) -> None:
            ticks.release()

    engine.register_listener(Timer("timer", [EventType.TIMER]))
    engine.start()
    try:
        assert all(ticks.acquire(timeout=5) for _ in range(3))
    finally:
        engine.stop()


def test_failing_listener_does_not_stop_the_engine() -> None:
    engine = EventEngine()

    class Broken(EventListener):
        def handle_event(self, event: Event) -> None:
            raise RuntimeError("broken listener")

    good = Recorder("good", [EventType.INFO])
    engine.register_listener(Broken("broken", [EventType.INFO]))
    engine.register_listener(good)
    engine.start()
    for _ in range(3):
        engine.put(Event(EventType.INFO, {}))
    engine.stop()
    assert len(good.events) == 3
    assert len(engine.bus.dead_letters) == 3


def test_duplicate_listener_name_and_bad_timer() -> None:
    engine = EventEngine()
    engine.register_listener(Recorder("x", []))
    with pytest.raises(ValueError, match="already"):
        engine.register_listener(Recorder("x", []))
    with pytest.raises(ValueError, match="timer_interval"):
        EventEngine(timer_interval=0)


def test_events_put_after_stop_are_rejected_and_counted() -> None:
    engine = EventEngine()
    listener = Recorder("x", [EventType.INFO])
    engine.register_listener(listener)
    engine.start()
    engine.put(Event(EventType.INFO, {}))
    assert engine.stop(timeout=10)
    engine.put(Event(EventType.INFO, {}))
    assert len(listener.events) == 1
    assert engine.counts() == {
        "received": 2,
        "delivered": 1,
        "dropped": 0,
        "rejected": 1,
        "queued": 0,
    }


def test_a_listener_putting_into_the_full_engine_queue_gets_a_bus_error() -> None:
    engine = EventEngine(maxsize=1)

    class Echo(EventListener):
        def handle_event(self, event: Event) -> None:
            if event.data.get("first"):
                engine.put(Event(EventType.INFO, {}))  # fills the queue
                engine.put(Event(EventType.INFO, {}))  # would wait for the engine itself

    engine.register_listener(Echo("echo", [EventType.INFO]))
    engine.start()
    engine.put(Event(EventType.INFO, {"first": True}))
    assert engine.wait_until_idle(timeout=10)
    assert engine.stop(timeout=10)
    (letter,) = engine.bus.dead_letters.list()
    assert isinstance(letter.error, BusError)
    assert "'event-engine' would wait for itself" in str(letter.error)
    assert engine.counts()["delivered"] == 2 and engine.counts()["rejected"] == 1
