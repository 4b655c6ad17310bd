"""The gateway role: publishes market data on ``TICK.<instrument>`` / ``BAR.<instrument>``.

It replays data files, in lockstep (each event once every strategy has handled the one
before, so the fills equal a one-process backtest's) or paced by the data's timestamps,
or relays a live websocket feed. Before the first event it waits until every process
says it is ready, so that each sees the whole file; after the last it publishes an
:class:`~tickwire.events.EndOfData`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any

import zmq

from tickwire._exceptions import DecodeError
from tickwire.bus import EventBus
from tickwire.cluster._process import RoleProcess
from tickwire.events import EndOfData, NodeProgress, Watermark, now_ns
from tickwire.transport import Batching, MarketDataPublisher, decode_frame
from tickwire.transport._curve import ServerSecurity, bind

__all__ = ["Gateway"]

log = logging.getLogger("tickwire.cluster")

_PROBE_EVERY_S = 0.05


class Gateway:
    """The gateway of ``process.cluster``."""

    def __init__(self, process: RoleProcess, context: zmq.Context[zmq.Socket[bytes]]) -> None:
        cluster = process.cluster
        self.process = process
        self.config = cluster.gateway
        batching = Batching() if self.config.batching and not cluster.lockstep else None
        self.publisher = MarketDataPublisher(
            cluster.endpoints.market_data,
            sender="gateway",
            batching=batching,
            context=context,
            curve=cluster.curve("gateway", "gateway"),
        )
        self.control = context.socket(zmq.PULL)
        self.control.setsockopt(zmq.LINGER, 0)
        curve = cluster.curve("gateway", "gateway")
        self._security = (
            None if curve is None else ServerSecurity(context, curve, "route 'control'")
        )
        bind(self.control, cluster.endpoints.control, self._security, "control")
        self.expected = set(cluster.process_names()) - {"gateway"}
        self.strategies = set(cluster.strategy_names())
        self.ready: set[str] = set()
        self.handled: dict[str, int] = {}
        """Market events each process has handled (of those published)."""
        self.offset: dict[str, int] = {}
        """Events published before a restarted process came back."""
        self.finished: set[str] = set()
        self.lagging: set[str] = set()
        self.published = 0
        self.replay_s = 0.0
        """Seconds from the first event published to the last (a replay's speed)."""
        process.stats = self.stats

    def stats(self) -> dict[str, Any]:
        """The heartbeat's counts."""
        return {
            **self.publisher.stats(),
            "published": self.published,
            "replay_s": round(self.replay_s, 6),
            "ready": sorted(self.ready),
            "lagging": sorted(self.lagging),
        }

    # -- control messages --------------------------------------------------------------

    def _read_control(self, timeout_ms: int) -> None:
        """Take the progress reports that arrive within ``timeout_ms``."""
        if not self.control.poll(timeout_ms, zmq.POLLIN):
            return
        while True:
            try:
                frame = self.control.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                events = decode_frame(frame).events
            except DecodeError as exc:
                log.warning("gateway: a control frame was refused: %s", exc)
                continue
            for event in events:
                if isinstance(event, NodeProgress):
                    self._on_progress(event)

    def _on_progress(self, progress: NodeProgress) -> None:
        node = progress.node
        if progress.state == NodeProgress.READY:
            if node in self.handled and node not in self.finished:
                # a restarted process: what went out before it came back is not its to
                # handle, so it counts from here
                self.offset[node] = self.published
                self.handled[node] = self.published
                log.warning(
                    "gateway: %s is back (restarted): it joins at event %d", node, self.published
                )
            elif node not in self.ready:
                log.info("gateway: %s is ready", node)
            self.ready.add(node)
            self.lagging.discard(node)
            return
        if progress.state == NodeProgress.FINISHED:
            self.finished.add(node)
        handled = self.offset.get(node, 0) + progress.handled
        self.handled[node] = max(self.handled.get(node, 0), handled)
        if node in self.lagging and self.handled[node] >= self.published:
            self.lagging.discard(node)

    # -- running -----------------------------------------------------------------------

    def wait_until_ready(self) -> None:
        """Probe until every process is ready (or ``start_timeout``)."""
        deadline = time.monotonic() + self.config.start_timeout
        while not self.process.stop.is_set() and not self.expected <= self.ready:
            if time.monotonic() > deadline:
                missing = ", ".join(sorted(self.expected - self.ready))
                log.warning("gateway: starting without %s (not ready in time)", missing)
                return
            self._probe()
            self._read_control(int(_PROBE_EVERY_S * 1000))
            self.process.beat()

    def _probe(self) -> None:
        self.publisher.publish(Watermark(ts_event_ns=now_ns(), source="gateway", handled=0))
        self.publisher.flush()

    def run(self) -> int:
        """Publish the data (or relay the feed) to the end; the exit code."""
        self.process.set_state("starting", "waiting for the cluster to be ready")
        self.wait_until_ready()
        if self.process.stop.is_set():
            return self._close("stopped")
        self.process.set_state("running")
        if self.config.feed:
            asyncio.run(self._relay_feed())
            return self._close("stopped")
        from tickwire.data import read_bars

        paths = [str(self.process.cluster.path(p)) for p in self.config.data]
        events: Iterable[Any] = read_bars(paths)
        started = time.perf_counter()
        if self.process.cluster.lockstep:
            self._lockstep(events)
        else:
            self._paced(events)
        self.replay_s = time.perf_counter() - started
        if self.process.stop.is_set():
            return self._close("stopped")
        self.publisher.publish(
            EndOfData(ts_event_ns=now_ns(), source="gateway", events=self.published)
        )
        self.publisher.flush()
        self._wait_for_strategies_to_finish()
        return self._close("finished")

    def _lockstep(self, events: Iterable[Any]) -> None:
        publish, flush = self.publisher.publish, self.publisher.flush
        timeout = self.config.lockstep_timeout
        for event in events:
            if self.process.stop.is_set():
                return
            publish(event)
            flush()
            self.published += 1
            deadline = time.monotonic() + timeout
            probe_at = time.monotonic() + 0.5
            while not self._strategies_caught_up():
                if self.process.stop.is_set():
                    return
                if time.monotonic() > deadline:
                    self._mark_lagging()
                    break
                if time.monotonic() > probe_at:  # a restarted strategy sees the gateway
                    self._probe()
                    probe_at = time.monotonic() + 0.5
                self._read_control(50)
                self.process.beat()
            self.process.beat()

    def _strategies_caught_up(self) -> bool:
        published, handled = self.published, self.handled
        return all(
            handled.get(name, 0) >= published
            for name in self.strategies - self.lagging - self.finished
        )

    def _mark_lagging(self) -> None:
        late = {
            name
            for name in self.strategies - self.lagging - self.finished
            if self.handled.get(name, 0) < self.published
        }
        log.error(
            "gateway: %s did not handle event %d within %.1f s: going on without it",
            ", ".join(sorted(late)),
            self.published,
            self.config.lockstep_timeout,
        )
        self.lagging |= late
        self.process.set_state("degraded", f"lagging: {', '.join(sorted(self.lagging))}")

    def _paced(self, events: Iterable[Any]) -> None:
        speed = self.config.speed
        publisher = self.publisher
        first_ns: int | None = None
        started = time.monotonic()
        for event in events:
            if self.process.stop.is_set():
                return
            if speed > 0:
                if first_ns is None:
                    first_ns = event.ts_event_ns
                due = started + (event.ts_event_ns - first_ns) / 1e9 / speed
                wait = due - time.monotonic()
                if wait > 0:
                    publisher.flush()
                    self.process.stop.wait(wait)  # pacing by the data's clock, not a sync
            publisher.publish(event)
            self.published += 1
            if self.published % 1024 == 0:
                publisher.poll()
                self._read_control(0)
                self.process.beat()
        publisher.flush()

    def _wait_for_strategies_to_finish(self) -> None:
        deadline = time.monotonic() + self.config.lockstep_timeout
        while (
            not self.process.stop.is_set() and not self.strategies <= self.finished | self.lagging
        ):
            if time.monotonic() > deadline:
                log.warning(
                    "gateway: %s did not finish in time",
                    ", ".join(sorted(self.strategies - self.finished)),
                )
                return
            self._read_control(50)
            self.process.beat()

    async def _relay_feed(self) -> None:
        """Relay a live websocket feed until stopped."""
        from tickwire.live import BinanceFormat, TickwireFormat, WebSocketFeed

        bus = EventBus()
        publisher = self.publisher

        def forward(event: Any) -> None:
            publisher.publish(event)
            self.published += 1

        for cls in ("Bar", "Tick", "Trade"):
            bus.subscribe(_event_class(cls), forward)
        formats = {"tickwire": TickwireFormat, "binance": BinanceFormat}
        feed = WebSocketFeed(
            "feed",
            self.config.feed,
            bus,
            format=formats[self.config.format](),
            streams=self.config.instruments,
        )
        await feed.start()
        try:
            while not self.process.stop.is_set():
                await asyncio.sleep(0.001)
                publisher.poll()
                self._read_control(0)
                self.process.beat()
        finally:
            await feed.stop()
            publisher.flush()

    def _close(self, state: str) -> int:
        self.process.set_state(state)
        self.publisher.close()
        with contextlib.suppress(zmq.ZMQError):
            self.control.close()
        if self._security is not None:
            self._security.close()
        return 0


def _event_class(tag: str) -> type[Any]:
    import tickwire.events as events

    cls: type[Any] = getattr(events, tag)
    return cls
