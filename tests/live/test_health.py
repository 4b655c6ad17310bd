"""Health: component states from events, /health and /metrics over real HTTP on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tickwire.bus import EventBus
from tickwire.events import FeedState, FeedStatus, Heartbeat, LifecycleEvent, LifecycleState
from tickwire.live.health import HealthMonitor, HealthServer


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
