"""Threaded subscribers: ordering, the idle barrier, back-pressure and shutdown."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tickwire.bus import EventBus, Overflow
from tickwire.events import Bar, ErrorEvent, Signal, create_bar_event


def bar(i: int) -> Bar:
    return create_bar_event("X", i, i, i, i, i)


def test_events_are_processed_in_order_on_the_worker_thread() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("w")
    got: list[float] = []
    threads: set[int] = set()

    def handler(event: Bar) -> None:
        got.append(event.close)
        threads.add(threading.get_ident())

    worker.subscribe(Bar, handler)
    for i in range(10_000):
        bus.publish(bar(i))
    assert bus.wait_until_system_idle(timeout=30)
    assert got == [float(i) for i in range(10_000)]
    assert threads and threading.get_ident() not in threads
    bus.shutdown()


def test_handler_exception_does_not_kill_the_worker() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("w")
    errors: list[ErrorEvent] = []
    bus.subscribe(ErrorEvent, errors.append)
    got: list[float] = []

    def handler(event: Bar) -> None:
        if event.close == 1:
            raise ValueError("one")
        got.append(event.close)

    worker.subscribe(Bar, handler)
    for i in range(3):
        bus.publish(bar(i))
    assert bus.wait_until_system_idle(timeout=10)
    assert got == [0.0, 2.0]
    assert len(errors) == 1 and errors[0].error == "one"
    assert len(bus.dead_letters) == 1
    bus.shutdown()


def _pipeline(bus: Any, threaded: bool) -> dict[str, list[Any]]:
    """A strategy that emits a signal on even bars and an executor that reacts to both."""
    seen: dict[str, list[Any]] = {"strategy": [], "executor": []}
    strategy = bus.threaded_subscriber("strategy") if threaded else bus
    executor = bus.threaded_subscriber("executor") if threaded else bus

    def on_bar(event: Bar) -> None:
        seen["strategy"].append(("bar", event.close))
        if int(event.close) % 2 == 0:
            strategy.publish(
                Signal(
                    ts_event_ns=event.ts_event_ns,
                    instrument="X",
                    side=Signal.BUY,
                    trigger_price=event.close,
                    id=f"s{int(event.close)}",
                )
            )

    def on_signal(event: Signal) -> None:
        seen["executor"].append(("signal", event.id))

    def on_bar_exec(event: Bar) -> None:
        seen["executor"].append(("bar", event.close))

    strategy.subscribe(Bar, on_bar)
    executor.subscribe(Signal, on_signal)
    executor.subscribe(Bar, on_bar_exec, priority=1)
    for i in range(500):
        bus.publish(bar(i))
        if threaded:
            assert bus.wait_until_system_idle(timeout=10)
    if threaded:
        bus.shutdown()
    return seen


def test_threaded_mode_with_barrier_matches_sync_mode() -> None:
    assert _pipeline(EventBus(), threaded=True) == _pipeline(EventBus(), threaded=False)


def test_drop_newest_counts_drops() -> None:
    bus = EventBus()
    gate, holding = threading.Event(), threading.Event()
    worker = bus.threaded_subscriber("slow", maxsize=5, overflow=Overflow.DROP_NEWEST)
    got: list[float] = []
    worker.subscribe(Bar, lambda e: (holding.set(), gate.wait(10), got.append(e.close)))
    bus.publish(bar(0))  # taken by the worker, which blocks on the gate
    assert holding.wait(10)
    for i in range(1, 11):
        bus.publish(bar(i))
    assert worker.dropped == 5
    assert bus.get_stats()["drops"] == {"slow": 5}
    assert bus.get_stats()["queue_depths"] == {"slow": 5}
    gate.set()
    assert bus.wait_until_system_idle(timeout=10)
    assert got == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    bus.shutdown()


def test_drop_oldest_keeps_the_newest() -> None:
    bus = EventBus()
    gate, holding = threading.Event(), threading.Event()
    worker = bus.threaded_subscriber("slow", maxsize=3, overflow="drop_oldest")
    got: list[float] = []
    worker.subscribe(Bar, lambda e: (holding.set(), gate.wait(10), got.append(e.close)))
    bus.publish(bar(0))
    assert holding.wait(10)
    for i in range(1, 11):
        bus.publish(bar(i))
    gate.set()
    assert bus.wait_until_system_idle(timeout=10)
    assert got == [0.0, 8.0, 9.0, 10.0]
    assert worker.dropped == 7
    bus.shutdown()


def test_block_policy_applies_back_pressure_without_loss() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("bounded", maxsize=4, overflow=Overflow.BLOCK)
    got: list[float] = []
    max_depth = 0

    def handler(event: Bar) -> None:
        nonlocal max_depth
        max_depth = max(max_depth, worker.queue_depth)
        got.append(event.close)

    worker.subscribe(Bar, handler)
    for i in range(5_000):
        bus.publish(bar(i))
    assert bus.wait_until_system_idle(timeout=30)
    assert got == [float(i) for i in range(5_000)]
    assert max_depth <= 4
    assert worker.dropped == 0
    bus.shutdown()


def test_shutdown_drains_then_stops() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("w")
    got: list[Any] = []
    worker.subscribe(Bar, got.append)
    for i in range(1000):
        bus.publish(bar(i))
    bus.shutdown()
    assert len(got) == 1000
    bus.publish(bar(0))  # no longer subscribed
    assert len(got) == 1000


def test_wait_until_idle_times_out_while_busy() -> None:
    bus = EventBus()
    gate = threading.Event()
    worker = bus.threaded_subscriber("w")
    worker.subscribe(Bar, lambda e: gate.wait(10))
    bus.publish(bar(0))
    assert worker.wait_until_idle(timeout=0.05) is False
    gate.set()
    assert worker.wait_until_idle(timeout=10) is True
    bus.shutdown()


def test_rejects_negative_maxsize() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        EventBus().threaded_subscriber("w", maxsize=-1)


def test_publish_staged_finishes_each_priority_level_first() -> None:
    bus = EventBus()
    log: list[str] = []
    venue = bus.threaded_subscriber("venue")
    trader = bus.threaded_subscriber("trader")

    def venue_bar(event: Bar) -> None:
        log.append("venue:bar")
        venue.publish(Signal(ts_event_ns=1, instrument="X", side=Signal.BUY, trigger_price=1))

    trader.subscribe(Signal, lambda e: log.append("trader:signal"))
    trader.subscribe(Bar, lambda e: log.append("trader:bar"))
    venue.subscribe(Bar, venue_bar, priority=10)
    for i in range(50):
        bus.publish_staged(bar(i))
    bus.shutdown()
    assert log == ["venue:bar", "trader:signal", "trader:bar"] * 50
