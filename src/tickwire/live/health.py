"""Health monitoring: each component's state from the events it publishes, an overall
verdict, and an HTTP endpoint on loopback for operators and Prometheus.

:class:`HealthMonitor` listens on the bus: ``LifecycleEvent`` sets a component's state,
a feed's ``FeedStatus`` its connection state (connected: running; disconnected or stale:
degraded), and a ``Heartbeat`` that stops arriving for ``heartbeat_timeout`` seconds
makes its component degraded. The node is ``failed`` if any component failed,
``degraded`` if any is degraded (or still starting), ``stopped`` when all stopped, else
``running``. :class:`HealthServer` serves ``/health`` (JSON; 200 while running, 503
otherwise) and ``/metrics`` (the Prometheus text format).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from tickwire.bus import EventBus
from tickwire.events import (
    FeedState,
    FeedStatus,
    Heartbeat,
    LifecycleEvent,
    LifecycleState,
)

__all__ = ["ComponentHealth", "HealthMonitor", "HealthReport", "HealthServer"]

_FEED_STATES = {
    FeedState.CONNECTING: LifecycleState.STARTING,
    FeedState.CONNECTED: LifecycleState.RUNNING,
    FeedState.DISCONNECTED: LifecycleState.DEGRADED,
    FeedState.STALE: LifecycleState.DEGRADED,
    FeedState.STOPPED: LifecycleState.STOPPED,
    FeedState.FAILED: LifecycleState.FAILED,
}
_UP = frozenset({LifecycleState.RUNNING, LifecycleState.STARTED})


@dataclass
class ComponentHealth:
    """One component: its state, why, and when it was last heard from."""

    name: str
    state: LifecycleState
    detail: str = ""
    since_ns: int = 0
    last_heartbeat_ns: int | None = None


@dataclass(frozen=True)
class HealthReport:
    """A snapshot: the verdict, each component, and what the bus has carried."""

    status: str
    """running, degraded, failed, starting or stopped."""
    components: dict[str, ComponentHealth]
    uptime_s: float
    events: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "uptime_s": round(self.uptime_s, 3),
            "components": {
                name: {
                    "state": str(c.state).lower(),
                    "detail": c.detail,
                    "last_heartbeat_ns": c.last_heartbeat_ns,
                }
                for name, c in self.components.items()
            },
            "events": self.events,
        }


class HealthMonitor:
    """Keeps every component's health from the events on ``bus`` (see the module)."""

    def __init__(self, bus: EventBus, *, heartbeat_timeout: float = 30.0) -> None:
        self.bus = bus
        self.heartbeat_timeout = heartbeat_timeout
        self._components: dict[str, ComponentHealth] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()
        bus.subscribe(LifecycleEvent, self.on_lifecycle)
        bus.subscribe(FeedStatus, self.on_feed_status)
        bus.subscribe(Heartbeat, self.on_heartbeat)

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        self._set(event.component, event.state, event.detail, event.ts_event_ns)

    def on_feed_status(self, event: FeedStatus) -> None:
        state = _FEED_STATES[event.state]
        self._set(f"feed:{event.feed}", state, event.detail, event.ts_event_ns)

    def on_heartbeat(self, event: Heartbeat) -> None:
        with self._lock:
            component = self._components.get(event.component)
            if component is None:
                component = self._components[event.component] = ComponentHealth(
                    event.component, LifecycleState.RUNNING, since_ns=event.ts_event_ns
                )
            component.last_heartbeat_ns = time.time_ns()

    def _set(self, name: str, state: LifecycleState, detail: str, ts_ns: int) -> None:
        with self._lock:
            component = self._components.get(name)
            if component is None:
                self._components[name] = ComponentHealth(name, state, detail, ts_ns)
            elif component.state != state or component.detail != detail:
                component.state, component.detail, component.since_ns = state, detail, ts_ns

    def report(self) -> HealthReport:
        """The node's health now (safe from any thread)."""
        now = time.time_ns()
        timeout_ns = int(self.heartbeat_timeout * 1e9)
        with self._lock:
            components = {}
            for name, c in self._components.items():
                copy = ComponentHealth(c.name, c.state, c.detail, c.since_ns, c.last_heartbeat_ns)
                beat = c.last_heartbeat_ns
                if beat is not None and c.state in _UP and now - beat > timeout_ns:
                    copy.state = LifecycleState.DEGRADED
                    copy.detail = f"no heartbeat for {(now - beat) / 1e9:.1f} s"
                components[name] = copy
        counts = self.bus.get_stats().get("event_counts", {})
        return HealthReport(
            status=_verdict(components),
            components=components,
            uptime_s=time.monotonic() - self._started,
            events={str(k): int(v) for k, v in counts.items()},
        )


def _verdict(components: dict[str, ComponentHealth]) -> str:
    states = {c.state for c in components.values()}
    if LifecycleState.FAILED in states:
        return "failed"
    if LifecycleState.DEGRADED in states:
        return "degraded"
    if LifecycleState.STARTING in states:
        return "starting"
    if states and states <= {LifecycleState.STOPPED, LifecycleState.STOPPING}:
        return "stopped"
    return "running"


class _Metrics(Collector):
    """Reads the monitor at each scrape: nothing is counted twice on the hot path."""

    def __init__(self, monitor: HealthMonitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterator[Any]:
        report = self.monitor.report()
        up = GaugeMetricFamily("tickwire_up", "1 while the node is running (not degraded)")
        up.add_metric([], 1.0 if report.status == "running" else 0.0)
        yield up
        state = GaugeMetricFamily(
            "tickwire_component_state",
            "1 for the state each component is in",
            labels=["component", "state"],
        )
        for name, component in report.components.items():
            state.add_metric([name, str(component.state).lower()], 1.0)
        yield state
        events = CounterMetricFamily(
            "tickwire_events", "Events published on the bus, by type", labels=["type"]
        )
        for kind, count in report.events.items():
            events.add_metric([kind], float(count))
        yield events
        uptime = GaugeMetricFamily("tickwire_uptime_seconds", "Seconds since the node started")
        uptime.add_metric([], report.uptime_s)
        yield uptime


class HealthServer:
    """``/health`` and ``/metrics`` over HTTP on ``host`` (loopback by default), served
    from a background thread; ``port=0`` picks a free port (see :attr:`port`)."""

    def __init__(self, monitor: HealthMonitor, port: int = 0, host: str = "127.0.0.1") -> None:
        self.monitor = monitor
        self.registry = CollectorRegistry()
        self.registry.register(_Metrics(monitor))
        handler = _handler(self)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tickwire-health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(server: HealthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            path = self.path.split("?", 1)[0]
            if path == "/health":
                report = server.monitor.report()
                body = json.dumps(report.to_json()).encode()
                code = 200 if report.status == "running" else 503
                self._send(code, "application/json", body)
            elif path == "/metrics":
                body = generate_latest(server.registry)
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", body)
            else:
                self._send(404, "text/plain", b"not found: try /health or /metrics\n")

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # scrapes every few seconds would fill the log

    return Handler
