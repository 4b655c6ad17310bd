"""Health monitoring: each component's state from the events it publishes, an overall
verdict, and an HTTP endpoint on loopback for operators and Prometheus.

:class:`HealthMonitor` listens on the bus: ``LifecycleEvent`` sets a component's state,
a feed's ``FeedStatus`` its connection state (connected: running; disconnected or stale:
degraded), and a ``Heartbeat`` that stops arriving for ``heartbeat_timeout`` seconds
makes its component degraded. The node is ``failed`` if any component failed,
``degraded`` if any is degraded (or still starting), ``stopped`` when all stopped, else
``running``. :meth:`HealthMonitor.stats` adds the numbers: the bus's event counts, the
queue depth and drops of each subscriber with a thread of its own, each handler's p50
and p99 (when the bus times handlers: ``EventBus(record_timings=True)``), and each
watched feed's counters, reconnects, gaps and the age of its last message.
:class:`HealthServer` serves ``/health`` (JSON; 200 while running, 503 otherwise) and
``/metrics`` (the Prometheus text format).
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
from tickwire.live.feed import WebSocketFeed

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
    stats: dict[str, Any] = field(default_factory=dict)
    """:meth:`HealthMonitor.stats` when the report was made."""

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
            "stats": self.stats,
        }


class HealthMonitor:
    """Keeps every component's health from the events on ``bus`` (see the module)."""

    def __init__(self, bus: EventBus, *, heartbeat_timeout: float = 30.0) -> None:
        self.bus = bus
        self.heartbeat_timeout = heartbeat_timeout
        self._components: dict[str, ComponentHealth] = {}
        self._feeds: list[WebSocketFeed] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()
        bus.subscribe(LifecycleEvent, self.on_lifecycle)
        bus.subscribe(FeedStatus, self.on_feed_status)
        bus.subscribe(Heartbeat, self.on_heartbeat)

    def watch(self, feed: WebSocketFeed) -> WebSocketFeed:
        """Include ``feed``'s counters in :meth:`stats` (its state comes from its events)."""
        with self._lock:
            self._feeds.append(feed)
        return feed

    def stats(self) -> dict[str, Any]:
        """The numbers an operator watches: events by type, the queue depth and drops of
        each threaded subscriber, handler latency (p50/p99 in ns, when the bus times its
        handlers), failures, dead letters, and each watched feed's counters."""
        bus = self.bus.get_stats()
        with self._lock:
            feeds = list(self._feeds)
        latency = {
            name: {"calls": t["calls"], "p50_ns": t["p50_ns"], "p99_ns": t["p99_ns"]}
            for name, t in bus.get("handler_timings", {}).items()
        }
        return {
            "events": {str(k): int(v) for k, v in bus["event_counts"].items()},
            "total_events": bus["total_events"],
            "errors": bus["errors"],
            "dead_letters": bus["dead_letters"],
            "queue_depths": dict(bus["queue_depths"]),
            "drops": dict(bus["drops"]),
            "handler_latency": latency,
            "feeds": {feed.name: _feed_stats(feed) for feed in feeds},
        }

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
        stats = self.stats()
        return HealthReport(
            status=_verdict(components),
            components=components,
            uptime_s=time.monotonic() - self._started,
            events=stats["events"],
            stats=stats,
        )


def _feed_stats(feed: WebSocketFeed) -> dict[str, Any]:
    stats = feed.stats()
    age = stats.last_message_age_s
    return {
        "state": str(stats.state).lower(),
        "connects": stats.connects,
        "reconnects": stats.reconnects,
        "received": stats.received,
        "published": stats.published,
        "rejected": stats.rejected,
        "duplicates": stats.duplicates,
        "gaps": stats.gaps,
        "missing": stats.missing,
        "stale": stats.stale,
        "last_message_age_s": None if age is None else round(age, 3),
    }


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
        yield from _bus_metrics(report.stats)
        yield from _feed_metrics(report.stats.get("feeds", {}))


def _bus_metrics(stats: dict[str, Any]) -> Iterator[Any]:
    depth = GaugeMetricFamily(
        "tickwire_queue_depth",
        "Events waiting in a threaded subscriber's queue",
        labels=["subscriber"],
    )
    drops = CounterMetricFamily(
        "tickwire_dropped", "Events a threaded subscriber dropped (overflow)", labels=["subscriber"]
    )
    for name, queued in stats.get("queue_depths", {}).items():
        depth.add_metric([name], float(queued))
    for name, dropped in stats.get("drops", {}).items():
        drops.add_metric([name], float(dropped))
    latency = GaugeMetricFamily(
        "tickwire_handler_latency_seconds",
        "A handler's time per event over its last calls (when the bus times handlers)",
        labels=["handler", "quantile"],
    )
    for name, timing in stats.get("handler_latency", {}).items():
        latency.add_metric([name, "0.5"], timing["p50_ns"] / 1e9)
        latency.add_metric([name, "0.99"], timing["p99_ns"] / 1e9)
    errors = CounterMetricFamily("tickwire_handler_errors", "Handler failures on the bus")
    errors.add_metric([], float(stats.get("errors", 0)))
    yield from (depth, drops, latency, errors)


_FEED_COUNTERS = {
    "received": "Messages a feed received",
    "published": "Events a feed published",
    "rejected": "Messages a feed could not parse (dead letters)",
    "duplicates": "Events a feed dropped as duplicates",
    "gaps": "Gaps a feed found in its streams' sequences",
    "missing": "Sequence numbers that never arrived",
    "reconnects": "Connections a feed made after its first",
    "stale": "Times a feed, or one of its instruments, went silent",
}


def _feed_metrics(feeds: dict[str, dict[str, Any]]) -> Iterator[Any]:
    for key, what in _FEED_COUNTERS.items():
        family = CounterMetricFamily(f"tickwire_feed_{key}", what, labels=["feed"])
        for name, stats in feeds.items():
            family.add_metric([name], float(stats[key]))
        yield family
    age = GaugeMetricFamily(
        "tickwire_feed_last_message_age_seconds",
        "Seconds since a feed's last message",
        labels=["feed"],
    )
    for name, stats in feeds.items():
        if stats["last_message_age_s"] is not None:
            age.add_metric([name], stats["last_message_age_s"])
    yield age


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
