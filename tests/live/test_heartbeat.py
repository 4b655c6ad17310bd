"""Heartbeats on a clock's timer: deterministic on the backtest clock, seen over HTTP live."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from tickwire.bus import EventBus
from tickwire.clock import BacktestClock, LiveClock
from tickwire.events import Heartbeat
from tickwire.live import HealthMonitor, HealthServer, HeartbeatPublisher

from .test_health import get

SECOND = 1_000_000_000


def test_a_heartbeat_every_interval_of_clock_time_until_stopped() -> None:
    bus = EventBus()
    beats: list[Heartbeat] = []
    bus.subscribe(Heartbeat, beats.append)
    clock = BacktestClock(start_ns=0)
    publisher = HeartbeatPublisher("recorder", bus, clock, interval=2.0)
    publisher.start()
    clock.advance_to(7 * SECOND)
    publisher.stop()
    clock.advance_to(20 * SECOND)
    assert [(b.component, b.sequence, b.ts_event_ns) for b in beats] == [
        ("recorder", n, (n + 1) * 2 * SECOND) for n in range(3)
    ]
    assert clock.names() == []


def test_the_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="above 0"):
        HeartbeatPublisher("x", EventBus(), BacktestClock(), interval=0)


def test_live_heartbeats_keep_a_component_healthy_and_their_end_degrades_it() -> None:
    bus = EventBus()
    monitor = HealthMonitor(bus, heartbeat_timeout=0.3)

    async def main() -> tuple[int, dict[str, object], int]:
        publisher = HeartbeatPublisher("executor", bus, LiveClock(), interval=0.02)
        publisher.start()
        with HealthServer(monitor) as server:
            deadline = time.monotonic() + 10
            while publisher.sent < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            code, body = await asyncio.to_thread(get, f"{server.url}/health")
            publisher.stop()
            while monitor.report().status == "running" and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            late, _ = await asyncio.to_thread(get, f"{server.url}/health")
        return code, json.loads(body), late

    code, health, late = asyncio.run(asyncio.wait_for(main(), 30))
    assert code == 200
    assert health["components"]["executor"]["last_heartbeat_ns"] is not None  # type: ignore[index]
    assert late == 503
    assert "no heartbeat" in monitor.report().components["executor"].detail
