"""Weak references: handlers vanish with their owner."""

from __future__ import annotations

import gc
from typing import Any

from tickwire.bus import EventBus
from tickwire.events import Bar, create_bar_event


class Counter:
    def __init__(self) -> None:
        self.seen = 0

    def on_bar(self, event: Any) -> None:
        self.seen += 1


def test_weak_handlers_vanish_after_owner_is_collected() -> None:
    bus = EventBus(use_weak_refs=True)
    counter = Counter()
    bus.subscribe(Bar, counter.on_bar)
    bus.publish(create_bar_event("X", 1, 1, 1, 1, 1))
    assert counter.seen == 1
    assert bus.get_stats()["active_handlers"] == 1
    del counter
    gc.collect()
    assert bus.get_stats()["active_handlers"] == 0
    bus.publish(create_bar_event("X", 1, 1, 1, 1, 1))  # no error, nobody left


def test_cleanup_prunes_dead_handlers() -> None:
    bus = EventBus(use_weak_refs=True)
    owners = [Counter() for _ in range(3)]
    for owner in owners:
        bus.subscribe(Bar, owner.on_bar)
    # Keep the subscription alive past the weakref callback by disabling it: the bus
    # must still report and prune dead entries through cleanup().
    gc.disable()
    try:
        del owners[0]
        removed = bus.cleanup()
    finally:
        gc.enable()
    assert removed in (0, 1)  # 1 if the callback had not already pruned it
    assert bus.get_stats()["active_handlers"] == 2


def test_strong_by_default() -> None:
    bus = EventBus()
    bus.subscribe(Bar, Counter().on_bar)
    gc.collect()
    assert bus.get_stats()["active_handlers"] == 1


def test_plain_functions_stay_alive_with_weak_refs() -> None:
    bus = EventBus(use_weak_refs=True)
    got: list[Any] = []
    bus.subscribe(Bar, lambda e: got.append(e))
    gc.collect()
    bus.publish(create_bar_event("X", 1, 1, 1, 1, 1))
    assert len(got) == 1
