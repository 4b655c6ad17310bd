"""Publishing from many threads while others subscribe and unsubscribe."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from tickwire.bus import EventBus
from tickwire.events import Tick

PUBLISHERS = 4
EVENTS_EACH = 100_000


def test_every_event_reaches_every_stable_handler_exactly_once() -> None:
    bus = EventBus()
    stable: list[Counter[tuple[int, int]]] = [Counter() for _ in range(3)]
    for counter in stable:

        def handler(event: Tick, counter: Counter[tuple[int, int]] = counter) -> None:
            counter[(int(event.bid), event.ts_event_ns)] += 1

        bus.subscribe(Tick, handler)

    stop = threading.Event()
    churned = 0

    def churn() -> None:
        nonlocal churned
        while not stop.is_set():

            def transient(event: Any) -> None:
                return None

            bus.subscribe(Tick, transient, priority=churned % 3 - 1)
            bus.unsubscribe(Tick, transient)
            churned += 1

    def publish(publisher: int) -> None:
        for i in range(EVENTS_EACH):
            bus.publish(Tick(ts_event_ns=i, instrument="X", bid=publisher, ask=publisher + 1))

    churners = [threading.Thread(target=churn) for _ in range(2)]
    publishers = [threading.Thread(target=publish, args=(p,)) for p in range(PUBLISHERS)]
    for thread in churners + publishers:
        thread.start()
    for thread in publishers:
        thread.join()
    stop.set()
    for thread in churners:
        thread.join()

    assert churned > 0
    for counter in stable:
        assert len(counter) == PUBLISHERS * EVENTS_EACH
        assert set(counter.values()) == {1}
    assert bus.get_stats()["event_counts"]["Tick"] == PUBLISHERS * EVENTS_EACH
