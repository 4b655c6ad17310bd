"""Health: component states from events, /health and /metrics over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request

from websockets.asyncio.server import ServerConnection

from tickwire.bus import EventBus
from tickwire.events import (
    Bar,
    FeedState,
    FeedStatus,
    Heartbeat,
    LifecycleEvent,
    LifecycleState,
)
from tickwire.live import WebSocketFeed
from tickwire.live.health import HealthMonitor, HealthServer

from .server import FeedServer
from .test_feed import numbered


def lifecycle(component: str, state: LifecycleState, detail: str = "") -> LifecycleEvent:
    return LifecycleEvent(ts_event_ns=1, component=component, state=state, detail=detail)


def feed(state: FeedState) -> FeedStatus:
    return FeedStatus(ts_event_ns=1, feed="binance", url="ws://127.0.0.1:1", state=state)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_verdict_follows_the_worst_component() -> None:
    bus = EventBus()
    monitor = HealthMonitor(bus)
    assert monitor.report().status == "running"  # nothing registered: nothing wrong
    bus.publish(lifecycle("recorder", LifecycleState.STARTING))
    assert monitor.report().status == "starting"
    bus.publish(lifecycle("recorder", LifecycleState.RUNNING))
    bus.publish(feed(FeedState.CONNECTED))
    assert monitor.report().status == "running"
    bus.publish(feed(FeedState.STALE))
    report = monitor.report()
    assert report.status == "degraded"
    assert report.components["feed:binance"].state == LifecycleState.DEGRADED
    bus.publish(lifecycle("strategy:ema", LifecycleState.FAILED, "ZeroDivisionError"))
    assert monitor.report().status == "failed"
    for name in ("recorder", "strategy:ema"):
        bus.publish(lifecycle(name, LifecycleState.STOPPED))
    bus.publish(feed(FeedState.STOPPED))
    assert monitor.report().status == "stopped"


def test_an_overdue_heartbeat_degrades_its_component() -> None:
    bus = EventBus()
    patient = HealthMonitor(bus, heartbeat_timeout=3600)
    impatient = HealthMonitor(bus, heartbeat_timeout=0)
    bus.publish(Heartbeat(ts_event_ns=1, component="executor"))
    assert patient.report().status == "running"
    (executor,) = impatient.report().components.values()
    assert executor.state == LifecycleState.DEGRADED and "no heartbeat for" in executor.detail


def test_health_and_metrics_over_http() -> None:
    bus = EventBus()
    monitor = HealthMonitor(bus)
    bus.publish(lifecycle("recorder", LifecycleState.RUNNING))
    bus.publish(feed(FeedState.CONNECTED))
    with HealthServer(monitor) as server:
        code, body = get(f"{server.url}/health")
        assert code == 200
        health = json.loads(body)
        assert health["status"] == "running"
        assert health["components"]["feed:binance"]["state"] == "running"
        assert health["events"]["FeedStatus"] == 1

        bus.publish(feed(FeedState.DISCONNECTED))
        code, body = get(f"{server.url}/health")
        assert code == 503 and json.loads(body)["status"] == "degraded"

        code, metrics = get(f"{server.url}/metrics")
        assert code == 200
        assert "tickwire_up 0.0" in metrics
        assert 'tickwire_component_state{component="feed:binance",state="degraded"} 1.0' in metrics
        assert 'tickwire_events_total{type="LifecycleEvent"} 1.0' in metrics
        assert get(f"{server.url}/nope")[0] == 404
    assert server.url.startswith("http://127.0.0.1:")


def test_stats_over_http_count_a_real_feed_its_gaps_and_the_queues() -> None:
    async def session(connection: ServerConnection, number: int) -> None:
        for n in [*range(1, 11), *range(13, 23)]:  # 11 and 12 never sent
            await connection.send(numbered(n))

    bus = EventBus(record_timings=True)
    monitor = HealthMonitor(bus)
    holding, gate = threading.Event(), threading.Event()

    def hold(event: Bar) -> None:
        holding.set()
        gate.wait(10)

    slow = bus.threaded_subscriber("slow", maxsize=2, overflow="drop_newest")
    slow.subscribe(Bar, hold)
    bus.subscribe(Bar, lambda event: None)

    async def main() -> WebSocketFeed:
        server = FeedServer(session)
        await server.start()
        feed = monitor.watch(WebSocketFeed("ticks", server.url, bus, reconnect=False))
        await feed.start()
        await feed.wait_closed()
        await server.stop()
        return feed

    try:
        feed = asyncio.run(asyncio.wait_for(main(), 30))
        assert holding.wait(10)
        with HealthServer(monitor) as server:
            _, body = get(f"{server.url}/health")
            _, metrics = get(f"{server.url}/metrics")
    finally:
        gate.set()
        bus.shutdown(10)
    stats = json.loads(body)["stats"]
    ticks = stats["feeds"]["ticks"]
    assert (ticks["received"], ticks["published"], ticks["gaps"], ticks["missing"]) == (
        20,
        20,
        1,
        2,
    )
    assert ticks["reconnects"] == 0 and ticks["last_message_age_s"] >= 0
    assert stats["events"]["Bar"] == 20 and stats["events"]["FeedGap"] == 1
    depth, drops = stats["queue_depths"]["slow"], stats["drops"]["slow"]
    assert 1 + depth + drops == 20 and depth >= 1  # one in hand, the queue full or nearly
    (latency,) = [t for name, t in stats["handler_latency"].items() if "lambda" in name]
    assert latency["calls"] == 20 and 0 < latency["p50_ns"] <= latency["p99_ns"]
    assert feed.stats().gaps == 1
    assert 'tickwire_feed_gaps_total{feed="ticks"} 1.0' in metrics
    assert 'tickwire_feed_received_total{feed="ticks"} 20.0' in metrics
    assert 'tickwire_feed_reconnects_total{feed="ticks"} 0.0' in metrics
    assert f'tickwire_queue_depth{{subscriber="slow"}} {depth:.1f}' in metrics
    assert f'tickwire_dropped_total{{subscriber="slow"}} {drops:.1f}' in metrics
    assert "tickwire_handler_latency_seconds{handler=" in metrics
    assert 'tickwire_feed_last_message_age_seconds{feed="ticks"}' in metrics
