"""The recorder role: stores as one run every event the order gateway publishes (the
market data it handled, order updates, fills), in the order it published them, so that
``tickwire runs show|export|diff`` and ``tickwire backtest --replay`` work on a cluster's
session as on any other."""

from __future__ import annotations

from typing import Any

import zmq

from tickwire.bus import EventBus
from tickwire.cluster._control import ControlChannel
from tickwire.cluster._process import RoleProcess
from tickwire.events import Bar, EndOfData, EventBase, Fill, Watermark
from tickwire.persistence import EventStore, Recorder, RunMode, RunStatus
from tickwire.portfolio import Portfolio
from tickwire.transport import MarketDataSubscriber, Pump

__all__ = ["ClusterRecorder"]


class ClusterRecorder:
    """Records ``process.cluster``'s session into ``store``."""

    def __init__(
        self, process: RoleProcess, context: zmq.Context[zmq.Socket[bytes]], store: EventStore
    ) -> None:
        cluster = process.cluster
        self.process = process
        self.bus = EventBus()
        self._books = EventBus()
        self.portfolio = Portfolio(self._books, cluster.order_gateway.cash)
        """The cluster's books, kept from what is recorded (on a bus of their own, so
        that what they publish is not recorded): the run's summary."""
        self.store = store
        self.recorder = Recorder(
            store,
            strategy=f"cluster:{cluster.name}",
            parameters={
                name: dict(entry.params) | {"strategy": entry.strategy}
                for name, entry in zip(cluster.strategy_names(), cluster.strategies, strict=True)
            },
            data_sources=[*cluster.gateway.data, *filter(None, [cluster.gateway.feed])],
            mode=RunMode.PAPER,
        )
        self.executions = MarketDataSubscriber(
            cluster.endpoints.executions,
            self._on_event,
            dead_letters=self.bus.dead_letters,
            name="executions",
            context=context,
            curve=cluster.curve("order-gateway", "recorder"),
        )
        self.control = ControlChannel(process, context)
        self.saw_venue = False
        self.fills = 0
        self.end = False
        process.stats = self.stats

    def stats(self) -> dict[str, Any]:
        """The heartbeat's counts."""
        return {
            "run_id": self.recorder.run_id,
            "recorded": self.recorder.recorded,
            "pending": self.recorder.pending,
            "rejected": self.recorder.rejected,
            "executions": self.executions.stats(),
        }

    def _on_event(self, event: EventBase) -> None:
        if isinstance(event, Watermark):
            self.saw_venue = True
            return
        if isinstance(event, EndOfData):
            self.end = True
        self.bus.publish(event)
        if isinstance(event, Fill):
            self.fills += 1
            self._books.publish(event)
        elif isinstance(event, Bar):
            self._books.publish(event)

    def _summary(self) -> dict[str, Any]:
        """What ``tickwire runs list|show`` print for the session."""
        portfolio, cash = self.portfolio, self.process.cluster.order_gateway.cash
        return {
            "final_equity": portfolio.equity,
            "total_return": portfolio.equity / cash - 1.0,
            "fills": self.fills,
        }

    def run(self) -> int:
        """Record until stopped; the exit code."""
        pump = Pump([self.executions])
        process = self.process
        process.set_state("starting", "waiting for the order gateway")
        process.pump_until(pump, lambda: self.saw_venue)
        self.recorder.attach(self.bus)
        process.set_state("running", f"run {self.recorder.run_id}")
        process.pump_until(pump, lambda: self.control.keep_ready() and False)
        for _ in range(100):  # what was sent before the stop is read before closing
            if not pump.once(0.01):
                break
        process.set_state("stopping")
        self.executions.close()
        self.control.close()
        self.recorder.close(
            self._summary(), status=RunStatus.FINISHED if self.end else RunStatus.STOPPED
        )
        self.store.close()
        process.set_state("stopped", f"run {self.recorder.run_id}")
        return 0
