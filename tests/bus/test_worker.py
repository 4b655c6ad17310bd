"""The queue and thread behind threaded subscribers: waits that could never end are
refused with BusError instead of hanging, and every refusal is counted."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tickwire import BusError
from tickwire.bus import EventBus
from tickwire.bus.worker import Worker
from tickwire.events import Bar, ErrorEvent, Signal, Tick, create_bar_event


def bar(i: int) -> Bar:
    return create_bar_event("X", i, i, i, i, i)


def signal(i: int) -> Signal:
    return Signal(ts_event_ns=i, instrument="X", side=Signal.BUY, trigger_price=1.0)


def _bus_errors(bus: EventBus) -> list[BaseException]:
    return [d.error for d in bus.dead_letters.list() if isinstance(d.error, BusError)]


def test_a_handler_publishing_into_its_own_full_block_queue_gets_a_bus_error() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("loop", maxsize=1, overflow="block")
    signals: list[Signal] = []
    errors: list[ErrorEvent] = []
    bus.subscribe(ErrorEvent, errors.append)

    def on_bar(event: Bar) -> None:
        for i in range(3):  # the first fills the queue; the next would wait on itself
            bus.publish(signal(i))

    worker.subscribe(Bar, on_bar)
    worker.subscribe(Signal, signals.append)
    try:
        bus.publish(bar(1))
        assert bus.wait_until_system_idle(timeout=10)
        assert len(signals) == 1
        refused = _bus_errors(bus)
        assert len(refused) == 2
        assert "'loop' would wait for itself" in str(refused[0])
        assert "maxsize=1" in str(refused[0])
        assert [e.error_type for e in errors] == ["BusError", "BusError"]
        assert worker.rejected == 2
        assert worker.received == worker.delivered + worker.rejected + worker.dropped
    finally:
        assert bus.shutdown(timeout=10)


def test_two_subscribers_feeding_each_other_through_full_queues_do_not_deadlock() -> None:
    bus = EventBus()
    a = bus.threaded_subscriber("a", maxsize=1, overflow="block")
    b = bus.threaded_subscriber("b", maxsize=1, overflow="block")
    a_holding, b_holding, b_gate = threading.Event(), threading.Event(), threading.Event()
    got: dict[str, list[int]] = {"a": [], "b": []}

    def on_a(event: Bar) -> None:  # a gets bars, and feeds b two signals for the first
        got["a"].append(event.ts_event_ns)
        if event.ts_event_ns == 1:
            a_holding.set()
            bus.publish(signal(11))  # fills b's queue (b is busy with signal 10)
            bus.publish(signal(12))  # waits for room in b's queue

    def on_b(event: Signal) -> None:  # b gets signals, and feeds a two bars for the first
        got["b"].append(event.ts_event_ns)
        if event.ts_event_ns == 10:
            b_holding.set()
            assert b_gate.wait(10)
            bus.publish(bar(20))  # a's queue is full: waits for room in it, or a waits on b
            bus.publish(bar(21))

    a.subscribe(Bar, on_a)
    b.subscribe(Signal, on_b)
    try:
        bus.publish(signal(10))
        assert b_holding.wait(10)
        bus.publish(bar(1))
        assert a_holding.wait(10)
        bus.publish(bar(2))  # fills a's queue
        b_gate.set()  # now a waits on b and b waits on a: one of the two waits is refused
        assert bus.wait_until_system_idle(timeout=10)
        # Which wait closes the cycle depends on which thread gets there second.
        refused = _bus_errors(bus)
        assert 1 <= len(refused) <= 2
        for error in refused:
            assert "which waits for" in str(error) and "would never end" in str(error)
        assert a.rejected + b.rejected == len(refused)
        for sub in (a, b):
            assert sub.received == sub.delivered + sub.rejected + sub.dropped
            assert sub.delivered == len(got[sub.name])
    finally:
        assert bus.shutdown(timeout=10)


def test_wait_until_system_idle_from_a_handler_raises_instead_of_waiting_for_itself() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("impatient")
    caught: list[BusError] = []

    def on_bar(event: Bar) -> None:
        try:
            bus.wait_until_system_idle()
        except BusError as exc:
            caught.append(exc)

    worker.subscribe(Bar, on_bar)
    try:
        bus.publish(bar(1))
        assert bus.wait_until_system_idle(timeout=10)
        (error,) = caught
        assert "subscriber 'impatient'" in str(error)
        assert "wait_until_system_idle()" in str(error)
    finally:
        assert bus.shutdown(timeout=10)


def test_waiting_for_a_subscriber_that_waits_for_you_raises() -> None:
    bus = EventBus()
    a = bus.threaded_subscriber("a")
    b = bus.threaded_subscriber("b", maxsize=1, overflow="block")
    caught: list[BusError] = []
    b_holding, b_gate = threading.Event(), threading.Event()

    def on_signal(event: Signal) -> None:  # on b: hold on until a waits for b
        b_holding.set()
        assert b_gate.wait(10)

    def on_bar(event: Bar) -> None:  # on a: waits for b, which is busy, to go idle
        try:
            b.wait_until_idle()
        except BusError as exc:
            caught.append(exc)

    def on_tick(event: Tick) -> None:  # on b, after a started waiting: wait for a
        try:
            a.wait_until_idle()
        except BusError as exc:
            caught.append(exc)

    a.subscribe(Bar, on_bar)
    b.subscribe(Signal, on_signal)
    b.subscribe(Tick, on_tick)
    try:
        bus.publish(signal(1))
        assert b_holding.wait(10)
        bus.publish(bar(1))  # a waits for b
        bus.publish(Tick(ts_event_ns=1, instrument="X", bid=1, ask=2))  # queued on b
        b_gate.set()
        assert bus.wait_until_system_idle(timeout=10)
        assert len(caught) == 1
        assert "waits for" in str(caught[0])
    finally:
        assert bus.shutdown(timeout=10)


def test_shutdown_from_a_handler_on_its_own_thread_stops_without_waiting() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("self-stopping")
    results: list[bool] = []
    got: list[int] = []

    def on_bar(event: Bar) -> None:
        got.append(event.ts_event_ns)
        if event.ts_event_ns == 1:
            results.append(worker.shutdown())

    worker.subscribe(Bar, on_bar)
    for i in range(1, 4):
        worker.receive(bar(i))
    assert worker.worker.stop(timeout=10)  # the thread finished: bars 2 and 3 delivered
    assert results == [False]
    assert got == [1, 2, 3]
    worker.receive(bar(4))
    assert worker.rejected == 1


def test_bus_shutdown_from_a_handler_raises() -> None:
    bus = EventBus()
    worker = bus.threaded_subscriber("w")
    caught: list[BusError] = []

    def on_bar(event: Bar) -> None:
        try:
            bus.shutdown()
        except BusError as exc:
            caught.append(exc)

    worker.subscribe(Bar, on_bar)
    bus.publish(bar(1))
    assert bus.wait_until_system_idle(timeout=10)
    assert len(caught) == 1
    assert bus.shutdown(timeout=10)


def test_a_full_blocking_queue_whose_thread_never_started_raises() -> None:
    worker = Worker("idle", lambda item: None, maxsize=1)
    worker.put(1)
    with pytest.raises(BusError, match="has not been started"):
        worker.put(2)
    assert worker.counts() == {
        "received": 2,
        "delivered": 0,
        "dropped": 0,
        "rejected": 1,
        "queued": 1,
    }
    with pytest.raises(BusError, match="not running"):
        worker.wait_until_idle(timeout=1)
    assert worker.stop(timeout=1)  # never started: what was queued is dropped
    assert worker.counts()["dropped"] == 1


def test_urgent_items_are_served_first_and_a_stopped_worker_starts_again() -> None:
    got: list[Any] = []
    worker = Worker("w", got.append)
    for i in range(3):
        worker.put(i)
    worker.put_urgent("first")
    worker.start()
    assert worker.stop(timeout=10)
    assert got == ["first", 0, 1, 2]
    worker.put("late")
    assert worker.rejected == 1
    worker.start()
    worker.put(3)
    assert worker.stop(timeout=10)
    assert got[-1] == 3
    assert worker.counts() == {
        "received": 6,
        "delivered": 5,
        "dropped": 0,
        "rejected": 1,
        "queued": 0,
    }


def test_a_dispatch_that_kills_the_thread_releases_waiters_and_counts_the_rest() -> None:
    class Fatal(BaseException):
        pass

    def dispatch(item: int) -> None:
        if item == 0:
            raise Fatal

    worker = Worker("doomed", dispatch)
    for i in range(3):
        worker.put(i)
    hook = threading.excepthook
    seen: list[type[BaseException] | None] = []
    threading.excepthook = lambda args: seen.append(args.exc_type)
    try:
        worker.start()
        assert worker.stop(timeout=10)
    finally:
        threading.excepthook = hook
    assert seen == [Fatal]
    assert worker.is_idle and not worker.is_running
    assert worker.counts() == {
        "received": 3,
        "delivered": 1,
        "dropped": 2,
        "rejected": 0,
        "queued": 0,
    }
