"""Async handlers: emit_async, scheduling from sync publish, and from other threads."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.events import Bar, ErrorEvent, EventType, Signal, create_bar_event


def bar(close: float = 1.0) -> Bar:
    return create_bar_event("X", 1, close, close, close, close)


def test_emit_async_awaits_async_handlers_in_order_after_sync_ones() -> None:
    bus = EventBus()
    log: list[str] = []

    async def slow(event: Any) -> None:
        await asyncio.sleep(0)
        log.append("slow")

    async def fast(event: Any) -> None:
        log.append("fast")

    bus.register_async(Bar, slow, priority=1)
    bus.register_async(Bar, fast)
    bus.subscribe(Bar, lambda e: log.append("sync"))
    asyncio.run(bus.emit_async(bar()))
    assert log == ["sync", "slow", "fast"]


def test_register_async_rejects_plain_function() -> None:
    with pytest.raises(TypeError, match="coroutine"):
        EventBus().register_async(Bar, lambda e: None)
    assert EventBus().get_stats()["active_handlers"] == 0


def test_async_handler_failure_is_isolated() -> None:
    bus = EventBus()
    errors: list[ErrorEvent] = []
    got: list[Any] = []

    async def broken(event: Any) -> None:
        raise RuntimeError("async boom")

    async def ok(event: Any) -> None:
        got.append(event)

    bus.register_async(Bar, broken)
    bus.register_async(Bar, ok)
    bus.subscribe(ErrorEvent, errors.append)
    asyncio.run(bus.emit_async(bar()))
    assert len(got) == 1
    assert errors[0].error == "async boom"


def test_sync_publish_inside_a_loop_schedules_async_handlers() -> None:
    async def main() -> list[Any]:
        bus = EventBus()
        done = asyncio.Event()
        got: list[Any] = []

        async def handler(event: Any) -> None:
            got.append(event)
            done.set()

        bus.register_async(Bar, handler)
        bus.publish(bar())
        await asyncio.wait_for(done.wait(), 5)
        return got

    assert len(asyncio.run(main())) == 1


def test_sync_publish_without_any_loop_runs_async_handlers_to_completion() -> None:
    bus = EventBus()
    got: list[Any] = []

    async def handler(event: Any) -> None:
        got.append(event)

    bus.register_async(Bar, handler)
    bus.publish(bar())
    assert len(got) == 1


def test_publishing_from_another_thread_into_a_running_loop() -> None:
    async def main() -> tuple[list[Any], set[int]]:
        bus = EventBus()
        bus.bind_loop()
        loop_thread = threading.get_ident()
        got: list[Any] = []
        threads: set[int] = set()
        done = asyncio.Event()

        async def handler(event: Any) -> None:
            got.append(event)
            threads.add(threading.get_ident())
            if len(got) == 200:
                done.set()

        bus.register_async(Bar, handler)

        def produce() -> None:
            for i in range(100):
                bus.publish(bar(float(i)))
                bus.publish_threadsafe(bar(float(i)))

        worker = threading.Thread(target=produce)
        worker.start()
        await asyncio.wait_for(done.wait(), 10)
        worker.join()
        assert threads == {loop_thread}
        return got, threads

    got, _ = asyncio.run(main())
    assert len(got) == 200


@pytest.mark.parametrize("key", [Bar, EventType.BAR, None])
def test_has_async_handlers_sees_the_class_its_category_and_every_event(key: Any) -> None:
    bus = EventBus()

    async def handler(event: Any) -> None:
        return None

    bus.subscribe(Bar, lambda e: None)
    assert not bus.has_async_handlers(Bar)  # a sync handler does not count
    bus.subscribe(key, handler)
    assert bus.has_async_handlers(Bar)
    assert bus.has_async_handlers(Signal) == (key is None)
    bus.unsubscribe(key, handler)
    assert not bus.has_async_handlers(Bar)
