"""The strategy role: one Strategy class, unchanged from a backtest, in its own process.

It sees the gateway's market data and the order gateway's fills and order updates on its
own bus, with a portfolio of the whole cluster's fills (as the strategies of one node
share one); its order requests and signals go to the executor at least once. In a
lockstep replay it holds each market event until the order gateway's watermark says the
fills that event causes have been published, then tells the gateway it has handled it
once the executor has acknowledged what it sent.

A strategy that raises stops its process at once (exit 1, the traceback in its log): the
supervisor's restart policy decides what follows, and the other processes go on.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec
import zmq

from tickwire.bus import EventBus
from tickwire.clock import BacktestClock
from tickwire.cluster._control import ControlChannel
from tickwire.cluster._process import RoleProcess
from tickwire.cluster._recovery import session_fills
from tickwire.cluster.executor import REQUEST_TYPES
from tickwire.events import (
    ORDER_UPDATES,
    Bar,
    EndOfData,
    ErrorEvent,
    EventBase,
    Fill,
    NodeProgress,
    Tick,
    Trade,
    Watermark,
    new_id,
)
from tickwire.node._node import PORTFOLIO_PRIORITY, STRATEGY_PRIORITY
from tickwire.portfolio import Portfolio
from tickwire.strategy import Strategy
from tickwire.transport import (
    Guarantee,
    MarketDataSubscriber,
    OutboundBridge,
    Pump,
    RequestClient,
    signal_route,
)
from tickwire.transport._envelope import event_tag

__all__ = ["StrategyProcess"]

log = logging.getLogger("tickwire.cluster")

_MARKET = (Bar, Tick, Trade)


def _topics(*kinds: type[EventBase]) -> tuple[str, ...]:
    return tuple(event_tag(kind).upper() + "." for kind in kinds)


class StrategyProcess:
    """Runs ``strategy`` as process ``process.name`` of its cluster."""

    def __init__(
        self,
        process: RoleProcess,
        context: zmq.Context[zmq.Socket[bytes]],
        strategy: Strategy,
    ) -> None:
        cluster = process.cluster
        endpoints = cluster.endpoints
        config = cluster.executor
        self.process = process
        self.lockstep = cluster.lockstep
        self.strategy = strategy
        strategy.rename(process.name)
        strategy.scope_order_ids(new_id()[:8])  # a restarted process never reuses an id
        self.bus = bus = EventBus()
        self.portfolio = Portfolio(bus, cluster.order_gateway.cash, priority=PORTFOLIO_PRIORITY)
        route = signal_route(
            endpoints.signals,
            endpoints.acks,
            event_types=REQUEST_TYPES,
            guarantee=Guarantee.AT_LEAST_ONCE,
            ack_timeout_ms=config.ack_timeout_ms,
            max_attempts=config.max_attempts,
        )
        self.outbound = OutboundBridge(
            bus,
            msgspec.structs.replace(route, curve=cluster.curve("executor", process.name)),
            sender=process.name,
            context=context,
        )
        self.market = MarketDataSubscriber(
            endpoints.market_data,
            self._on_market,
            dead_letters=bus.dead_letters,
            topics=(*_topics(*_MARKET), "TICKWIRE."),
            name="market-data",
            context=context,
            curve=cluster.curve("gateway", process.name),
        )
        self.executions = MarketDataSubscriber(
            endpoints.executions,
            self._on_execution,
            dead_letters=bus.dead_letters,
            topics=(*_topics(Fill, *ORDER_UPDATES), "TICKWIRE.WATERMARK"),
            name="executions",
            context=context,
            curve=cluster.curve("order-gateway", process.name),
        )
        self.control = ControlChannel(process, context)
        self.held: deque[EventBase] = deque()
        self.released = 0
        self.reported = 0
        self.venue_handled = 0
        self.saw_gateway = False
        self.saw_venue = False
        self.end = False
        self.attached = False
        self.failure: ErrorEvent | None = None
        """The strategy's first error: the process stops and exits 1 (the supervisor's
        restart policy decides what follows)."""
        bus.subscribe(ErrorEvent, self._on_error)
        self.context = context
        self.clock: BacktestClock | None = None
        """Market time for a strategy with timers, moved to each event's time as it is
        handed over (a timer's orders are matched from the next event on)."""
        self.recovered: set[str] = set()
        """Ids of the fills applied from the order gateway's history at start."""
        process.stats = self.stats

    def stats(self) -> dict[str, Any]:
        """The heartbeat's counts."""
        return {
            "market_events": self.released,
            "held": len(self.held),
            "position": self.portfolio.quantity(self.strategy.instrument)
            if self.strategy.instrument
            else 0.0,
            "equity": self.portfolio.equity,
            "signals": self.outbound.stats(),
            "market_data": self.market.stats(),
        }

    # -- what arrives ------------------------------------------------------------------

    def _on_market(self, event: EventBase) -> None:
        if isinstance(event, _MARKET):
            self.saw_gateway = True
            self._start_strategy(event)
            if self.lockstep:
                self.held.append(event)
                self._release()
            else:
                self._hand_over(event)
        elif isinstance(event, Watermark):
            self.saw_gateway = True
        elif isinstance(event, EndOfData):
            self.end = True
        else:
            self.bus.publish(event)  # a gap

    def _on_execution(self, event: EventBase) -> None:
        if isinstance(event, Fill) and event.id in self.recovered:
            return  # applied from the history already
        if isinstance(event, Watermark):
            self.saw_venue = True
            self.venue_handled = max(self.venue_handled, event.handled)
            self._release()
        else:
            self.bus.publish(event)

    def _release(self) -> None:
        """Hand the held events the order gateway has handled to the strategy."""
        held = self.held
        while held and self.released < self.venue_handled:
            self._hand_over(held.popleft())

    def _hand_over(self, event: EventBase) -> None:
        """One market event to the strategy, after the timers due by its time."""
        self.released += 1
        if self.clock is not None:
            self.clock.advance_to(event.ts_event_ns)
        self.bus.publish(event)

    def _on_error(self, error: ErrorEvent) -> None:
        if error.component.startswith("transport."):  # bad input, kept as a dead letter
            log.warning("%s: %s: %s", self.process.name, error.component, error.error)
            return
        log.error(
            "%s: %s failed: %s\n%s",
            self.process.name,
            error.component,
            error.error,
            error.traceback,
        )
        if self.failure is None:
            self.failure = error
            self.process.request_stop(f"{error.error_type or 'an error'} in {error.component}")

    def _recover(self) -> None:
        """Apply the session's fills so far to the portfolio (a restarted process's
        books), before the strategy is attached: they are history, not news to it."""
        cluster, name = self.process.cluster, self.process.name
        client = RequestClient(
            cluster.endpoints.orders,
            sender=name,
            context=self.context,
            curve=cluster.curve("order-gateway", name),
        )
        try:
            fills = session_fills(client)
        finally:
            client.close()
        for fill in fills:
            self.recovered.add(fill.id)
            self.bus.publish(fill)
        if fills:
            log.info(
                "%s: %d fills of the session applied to its books", self.process.name, len(fills)
            )

    def _start_strategy(self, first: EventBase) -> None:
        if self.attached:
            return
        self.attached = True
        strategy = self.strategy
        if strategy.instrument is None:
            strategy.instrument = getattr(first, "instrument", None)
        portfolio = self.portfolio
        now: Callable[[], int] = lambda: portfolio.last_ts_ns  # noqa: E731
        if type(strategy).on_timer is not Strategy.on_timer:
            self.clock = BacktestClock(first.ts_event_ns)
            now = self.clock.now_ns
        strategy.attach(
            self.bus, portfolio, priority=STRATEGY_PRIORITY, clock=now, timers=self.clock
        )
        strategy.on_start()

    # -- running -----------------------------------------------------------------------

    def run(self) -> int:
        """Run until the data ends (or a stop); the exit code."""
        pump = Pump([self.market, self.executions, self.outbound])
        process = self.process
        process.set_state("starting", "waiting for the gateway and the order gateway")
        while not process.stop.is_set() and not (self.saw_gateway and self.saw_venue):
            pump.once(0.05)
            process.beat()
        self._recover()
        process.set_state("running")
        control = self.control
        while not process.stop.is_set():
            pump.once(0.05)
            in_flight = self.outbound.socket.stats().get("in_flight", 0)
            if self.released > self.reported and not in_flight:
                control.report(NodeProgress.HANDLED, self.released)
                self.reported = self.released
            if self.end and not self.held and not in_flight:
                break
            if not self.released:
                control.keep_ready()
            process.beat()
        if self.attached and self.failure is None:
            self.strategy.on_stop()
        finished = self.end and not process.stop.is_set()
        if finished:
            control.report(NodeProgress.FINISHED, self.released)
        process.set_state("stopping")
        for part in (self.outbound, self.market, self.executions):
            part.close()
        control.close()
        if self.failure is not None:
            failure = self.failure
            process.set_state("failed", f"{failure.error_type}: {failure.error}")
            return 1
        process.set_state("finished" if finished else "stopped")
        return 0
