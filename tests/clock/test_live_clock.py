"""The live clock: wall time, timers on the running asyncio loop."""

from __future__ import annotations

import asyncio
import itertools
import time

from tickwire.clock import LiveClock
from tickwire.events import TimerEvent

MS = 1_000_000


def test_now_is_wall_time() -> None:
    before = time.time_ns()
    now = LiveClock().now_ns()
    assert before <= now <= time.time_ns()


def test_a_timer_fires_on_schedule_until_cancelled_and_an_alert_once() -> None:
    async def main() -> tuple[list[TimerEvent], list[TimerEvent], list[int]]:
        clock = LiveClock()
        ticks: list[TimerEvent] = []
        alerts: list[TimerEvent] = []
        arrived: list[int] = []
        fifth = asyncio.Event()

        def on_tick(event: TimerEvent) -> None:
            ticks.append(event)
            arrived.append(time.time_ns())
            if event.sequence == 4:
                clock.cancel("tick")
                fifth.set()

        start = clock.now_ns()
        clock.set_timer("tick", 20 * MS, on_tick, start_ns=start + 20 * MS)
        clock.set_alert("once", start + 30 * MS, alerts.append)
        await asyncio.wait_for(fifth.wait(), 10)
        assert clock.names() == []
        return ticks, alerts, arrived

    ticks, alerts, arrived = asyncio.run(main())
    assert [t.sequence for t in ticks] == [0, 1, 2, 3, 4]
    due = [t.ts_event_ns for t in ticks]
    assert [b - a for a, b in itertools.pairwise(due)] == [20 * MS] * 4  # on schedule
    assert all(got >= want for got, want in zip(arrived, due, strict=True))  # never early
    assert [a.name for a in alerts] == ["once"]


def test_cancel_all_stops_everything() -> None:
    async def main() -> list[TimerEvent]:
        clock = LiveClock()
        fired: list[TimerEvent] = []
        clock.set_timer("a", 5 * MS, fired.append)
        clock.set_alert("b", clock.now_ns() + 5 * MS, fired.append)
        clock.cancel_all()
        later = asyncio.Event()
        clock.set_alert("sentinel", clock.now_ns() + 20 * MS, lambda e: later.set())
        await asyncio.wait_for(later.wait(), 10)  # fired after both were due
        return fired

    assert asyncio.run(main()) == []
