"""Threaded subscribers: ordering, the idle barrier, back-pressure, shutdown and exact
counts."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.bus import EventBus, Overflow, ThreadedSubscriber
from tickwire.events import Bar, ErrorEvent, Signal, Tick, create_bar_event


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


def _alive(name: str) -> bool:
    return any(t.name == f"tickwire-{name}" and t.is_alive() for t in threading.enumerate())


def _publish_until(bus: EventBus, stop: threading.Event, started: threading.Barrier) -> None:
    started.wait()
    while not stop.is_set():
        bus.publish(bar(1))


def test_drop_oldest_shutdown_returns_while_publishers_keep_publishing() -> None:
    """The stop signal used to sit in the queue, where drop_oldest could discard it."""
    for trial in range(20):
        bus = EventBus()
        name = f"drop-oldest-{trial}"
        worker = bus.threaded_subscriber(name, maxsize=2, overflow="drop_oldest")
        worker.subscribe(Bar, lambda e: None)
        stop = threading.Event()
        started = threading.Barrier(3)
        publishers = [
            threading.Thread(target=_publish_until, args=(bus, stop, started)) for _ in range(2)
        ]
        for thread in publishers:
            thread.start()
        started.wait()
        try:
            bus.shutdown(timeout=5)
            assert not _alive(name), f"trial {trial}: the worker thread is still running"
        finally:
            stop.set()
            for thread in publishers:
                thread.join()


def test_events_published_while_shutdown_runs_are_delivered_or_counted() -> None:
    delivered = 0

    def handler(event: Bar) -> None:
        nonlocal delivered
        delivered += 1

    bus = EventBus()
    worker = bus.threaded_subscriber("w")
    worker.subscribe(Bar, handler)
    receive = worker.receive  # what the bus calls; publishers keep calling it throughout
    offered = [0, 0]
    stop = threading.Event()
    half_way = threading.Event()

    def publish(index: int) -> None:
        while not stop.is_set():
            receive(bar(index))
            offered[index] += 1
            if offered[index] == 1000:
                half_way.set()

    publishers = [threading.Thread(target=publish, args=(i,)) for i in range(2)]
    for thread in publishers:
        thread.start()
    assert half_way.wait(10)
    try:
        assert bus.shutdown(timeout=10)
    finally:
        stop.set()
        for thread in publishers:
            thread.join()
    receive(bar(0))  # after shutdown: rejected, and counted
    offered[0] += 1
    stats = bus.get_stats()["subscribers"]["w"]
    assert worker.delivered == delivered
    assert worker.rejected > 0
    assert delivered + worker.dropped + worker.rejected == sum(offered)
    assert stats == {
        "received": sum(offered),
        "delivered": delivered,
        "dropped": 0,
        "rejected": worker.rejected,
        "queued": 0,
    }


def test_block_policy_keeps_its_bound_during_and_after_shutdown() -> None:
    bus = EventBus()
    gate, holding = threading.Event(), threading.Event()
    worker = bus.threaded_subscriber("bounded", maxsize=3, overflow=Overflow.BLOCK)
    worker.subscribe(Bar, lambda e: (holding.set(), gate.wait(10)))
    worker.receive(bar(0))
    assert holding.wait(10)
    for i in range(3):
        worker.receive(bar(i))
    blocked = threading.Thread(target=worker.receive, args=(bar(99),))
    blocked.start()  # waits for room
    stopper = threading.Thread(target=bus.shutdown, kwargs={"timeout": 10})
    stopper.start()
    blocked.join(10)
    assert not blocked.is_alive()  # shutdown released the waiting publisher...
    for i in range(100):  # ... and nothing more gets in
        worker.receive(bar(i))
    assert worker.queue_depth <= 3
    gate.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert worker.delivered == 4
    assert worker.rejected == 101
    assert worker.received == worker.delivered + worker.dropped + worker.rejected


def test_a_subscriber_built_directly_joins_the_barrier_and_shutdown() -> None:
    bus = EventBus()
    direct = ThreadedSubscriber(bus, "direct")
    gate = threading.Event()
    got: list[float] = []
    direct.subscribe(Bar, lambda e: (gate.wait(10), got.append(e.close)))
    bus.publish(bar(1))
    assert bus.wait_until_system_idle(timeout=0.05) is False  # still processing bar 1
    gate.set()
    assert bus.wait_until_system_idle(timeout=10)
    assert got == [1.0]
    assert bus.get_stats()["subscribers"]["direct"]["delivered"] == 1
    assert bus.shutdown(timeout=10)
    assert not _alive("direct")


def test_shutdown_timeout_drops_what_is_still_queued_and_counts_it() -> None:
    bus = EventBus()
    gate, holding = threading.Event(), threading.Event()
    worker = bus.threaded_subscriber("stuck")
    worker.subscribe(Bar, lambda e: (holding.set(), gate.wait(10)))
    for i in range(5):
        bus.publish(bar(i))
    assert holding.wait(10)
    assert bus.shutdown(timeout=0.05) is False  # the handler holds on past the timeout
    assert worker.dropped == 4 and worker.queue_depth == 0
    gate.set()
    assert worker.shutdown(timeout=10)
    assert worker.delivered == 1
    assert worker.received == worker.delivered + worker.dropped + worker.rejected


@settings(max_examples=40)
@given(
    overflow=st.sampled_from(list(Overflow)),
    maxsize=st.integers(0, 4),
    counts=st.lists(st.integers(0, 300), min_size=1, max_size=3),
    late=st.integers(0, 20),
    work=st.integers(0, 300),
    data=st.data(),
)
def test_every_event_is_delivered_dropped_or_rejected_exactly_once(
    overflow: Overflow, maxsize: int, counts: list[int], late: int, work: int, data: st.DataObject
) -> None:
    """Real publisher threads race a real worker and a shutdown, under every policy: each
    publisher publishes its events (the shutdown starts after ``shutdown_after`` of them
    in all), then ``late`` more once the shutdown has returned."""
    shutdown_after = data.draw(st.integers(0, sum(counts)), label="shutdown_after")
    bus = EventBus()
    worker = bus.threaded_subscriber("p", maxsize=maxsize, overflow=overflow)
    seen: dict[int, list[int]] = {p: [] for p in range(len(counts))}
    deepest = 0

    def handler(event: Tick) -> None:
        nonlocal deepest
        deepest = max(deepest, worker.queue_depth)
        seen[int(event.bid)].append(event.ts_event_ns)
        for _ in range(work):  # a handler of some cost, so that bounded queues fill up
            pass

    worker.subscribe(Tick, handler)
    published = threading.Semaphore(0)
    shut = threading.Event()
    results: list[bool] = []

    def publish(p: int) -> None:
        for i in range(counts[p]):
            worker.receive(Tick(ts_event_ns=i, instrument="X", bid=p, ask=p + 1))
            published.release()
        assert shut.wait(30)
        for i in range(counts[p], counts[p] + late):
            worker.receive(Tick(ts_event_ns=i, instrument="X", bid=p, ask=p + 1))

    def stop_after_some() -> None:
        for _ in range(shutdown_after):
            assert published.acquire(timeout=30)
        results.append(bus.shutdown(timeout=20))
        shut.set()

    threads = [threading.Thread(target=publish, args=(p,)) for p in range(len(counts))]
    threads.append(threading.Thread(target=stop_after_some))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert results == [True]
    offered = sum(counts) + late * len(counts)
    delivered = sum(len(v) for v in seen.values())
    assert worker.delivered == delivered
    assert worker.received == offered
    assert delivered + worker.dropped + worker.rejected == offered
    assert worker.rejected >= late * len(counts)
    assert worker.queue_depth == 0
    for events in seen.values():  # each publisher's events arrive in order, none late
        assert events == sorted(events)
        assert all(i < counts[p] for p, v in seen.items() for i in v)
    if maxsize:
        assert deepest <= maxsize
    if overflow is Overflow.BLOCK or maxsize == 0:
        assert worker.dropped == 0


def test_a_stopped_subscriber_is_let_go_and_its_counts_stay_in_the_stats() -> None:
    class Component:
        def on_bar(self, event: Bar) -> None:
            return None

    bus = EventBus()
    component = Component()
    collected = weakref.ref(component)
    worker = bus.threaded_subscriber("w")
    worker.subscribe(Bar, component.on_bar)
    bus.publish(bar(1))
    assert worker.shutdown(timeout=10)
    worker.receive(bar(2))  # a late caller: rejected, and still counted by the bus
    del worker, component
    gc.collect()
    assert collected() is None
    assert bus.get_stats()["subscribers"]["w"] == {
        "received": 2,
        "delivered": 1,
        "dropped": 0,
        "rejected": 1,
        "queued": 0,
    }
