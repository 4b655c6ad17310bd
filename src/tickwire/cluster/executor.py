"""The executor role: takes the strategies' signals and order requests (PULL, acknowledged,
at-least-once or exactly-once), sizes signals, checks every order against the risk
limits, and sends the orders it approves to the order gateway over REQ/REP.

Its portfolio and the risk manager's view of working orders follow the order gateway's
executions PUB; before handling a request stamped at market time T it reads that stream
up to T, so its checks see what a one-process run would have seen. A request is
acknowledged only once the order gateway has it: while the order gateway cannot be
reached the executor waits (the circuit breaker shows it), and strategies retry. A
signal in doubt after a crash (claimed, never completed) is processed again when it
comes again: the order gateway places each order id once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import zmq

from tickwire._exceptions import CircuitOpenError, RequestTimeout
from tickwire.bus import EventBus
from tickwire.cluster._control import ControlChannel
from tickwire.cluster._process import RoleProcess
from tickwire.cluster._recovery import session_fills
from tickwire.events import (
    ORDER_UPDATES,
    Bar,
    CancelOrder,
    ErrorEvent,
    EventBase,
    Fill,
    OrderRejected,
    OrderSubmitted,
    Signal,
    SubmitOrder,
    Tick,
    Trade,
    Watermark,
)
from tickwire.execution import CircuitBreaker, RiskManager, SignalExecutor
from tickwire.node._node import PORTFOLIO_PRIORITY
from tickwire.node.config import RiskConfig
from tickwire.portfolio import Portfolio
from tickwire.transport import (
    Claim,
    Guarantee,
    MarketDataSubscriber,
    MemoryProcessedStore,
    ProcessedStore,
    Pump,
    RequestClient,
    SignalReceiver,
    SqliteProcessedStore,
)
from tickwire.transport._envelope import event_tag

__all__ = ["REQUEST_TYPES", "Executor", "ResendInDoubt", "StopWhileSending"]

log = logging.getLogger("tickwire.cluster")

REQUEST_TYPES = ("Signal", "SubmitOrder", "CancelOrder")
"""What strategies send the executor."""
_CATCH_UP_PRIORITY = 2**62
_CATCH_UP_TIMEOUT_S = 2.0


class StopWhileSending(BaseException):
    """Asked to stop while an order waits for the order gateway: unwinds past the bus's
    error isolation and the receiver, so the request is neither completed nor acked."""


class ResendInDoubt:
    """A processed-id store that lets an id in doubt be processed again.

    An id claimed by a run that died before completing it may or may not have become an
    order. The order gateway places each order id once, so processing it again is safe,
    and it is the only way not to lose the order when it had not been placed.
    """

    def __init__(self, store: ProcessedStore) -> None:
        self._store = store
        self.resent = 0

    def claim(self, event_id: str) -> Claim:
        """NEW for a new id and for one in doubt; DONE for one completed."""
        claim = self._store.claim(event_id)
        if claim is Claim.IN_DOUBT:
            self.resent += 1
            log.warning("executor: %s was in doubt: processing it again", event_id)
            return Claim.NEW
        return claim

    def complete(self, event_id: str) -> None:
        """``event_id`` has reached the order gateway."""
        self._store.complete(event_id)

    def recover(self) -> list[str]:
        """Ids in doubt since an earlier run (processed again if they come again)."""
        return self._store.recover()

    def close(self) -> None:
        """Close the store."""
        self._store.close()


def _execution_topics() -> tuple[str, ...]:
    """What the executor reads from the order gateway: the market data it handled, fills,
    order updates but the submissions (the executor's own), and watermarks."""
    kinds: list[type[EventBase]] = [
        Bar,
        Tick,
        Trade,
        Fill,
        *(u for u in ORDER_UPDATES if u is not OrderSubmitted),
    ]
    return (*(event_tag(k).upper() + "." for k in kinds), "TICKWIRE.WATERMARK")


class Executor:
    """The executor of ``process.cluster``."""

    def __init__(
        self,
        process: RoleProcess,
        context: zmq.Context[zmq.Socket[bytes]],
        risk: RiskConfig,
    ) -> None:
        cluster = process.cluster
        config = cluster.executor
        endpoints = cluster.endpoints
        self.process = process
        self.bus = bus = EventBus()
        portfolio = Portfolio(bus, cluster.order_gateway.cash, priority=PORTFOLIO_PRIORITY)
        RiskManager(bus, portfolio, **risk.options())
        SignalExecutor(bus)
        for cls in (Signal, SubmitOrder, CancelOrder):
            bus.subscribe(cls, self._catch_up, priority=_CATCH_UP_PRIORITY)
        bus.subscribe(OrderSubmitted, self._send)
        bus.subscribe(CancelOrder, self._send)
        bus.subscribe(OrderRejected, self._send_rejection)
        self.executions = MarketDataSubscriber(
            endpoints.executions,
            self._on_execution,
            dead_letters=bus.dead_letters,
            topics=_execution_topics(),
            name="executions",
            context=context,
            curve=cluster.curve("order-gateway", "executor"),
        )
        if config.guarantee is Guarantee.AT_MOST_ONCE:
            raise ValueError("executor: the signal route is at-least-once or exactly-once")
        state = cluster.state_path
        state.mkdir(parents=True, exist_ok=True)
        inner: ProcessedStore = (
            SqliteProcessedStore(state / config.store, keep_for=config.keep_processed)
            if config.guarantee is Guarantee.EXACTLY_ONCE
            else MemoryProcessedStore()
        )
        self.store = ResendInDoubt(inner)
        self.signals = SignalReceiver(
            endpoints.signals,
            endpoints.acks,
            bus.publish,
            store=self.store,
            dead_letters=bus.dead_letters,
            receiver="executor",
            guarantee=config.guarantee,
            context=context,
            curve=cluster.curve("executor", "executor"),
        )
        self.orders = RequestClient(
            endpoints.orders,
            sender="executor",
            timeout_ms=config.request_timeout_ms,
            retries=config.request_retries,
            breaker=CircuitBreaker(5, 2_000_000_000),
            context=context,
            curve=cluster.curve("order-gateway", "executor"),
        )
        self.watermark_ns = -1
        self.watermark_seen = False
        self.sent = 0
        self.waits = 0
        self._replaying = False
        self.recovered: set[str] = set()
        """Ids of the fills applied from the order gateway's history at start."""
        self.control = ControlChannel(process, context)
        process.stats = self.stats

    def stats(self) -> dict[str, Any]:
        """The heartbeat's counts."""
        return {
            "signals": self.signals.stats(),
            "executions": self.executions.stats(),
            "orders_sent": self.sent,
            "waits_for_order_gateway": self.waits,
            "resent_in_doubt": self.store.resent,
            "breaker": str(getattr(self.orders.breaker, "state", "")),
            "reconnects": self.orders.reconnects,
        }

    def _on_execution(self, event: EventBase) -> None:
        if isinstance(event, Fill) and event.id in self.recovered:
            return  # applied from the history already
        if isinstance(event, Watermark):
            self.watermark_ns = max(self.watermark_ns, event.ts_event_ns)
            self.watermark_seen = True
            return
        self._replaying = True
        try:
            self.bus.publish(event)
        finally:
            self._replaying = False

    def _recover(self) -> None:
        """Apply the session's fills so far (a restarted executor's risk view)."""
        fills = session_fills(self.orders)
        self._replaying = True
        try:
            for fill in fills:
                self.recovered.add(fill.id)
                self.bus.publish(fill)
        finally:
            self._replaying = False

    def _catch_up(self, request: Signal | SubmitOrder | CancelOrder) -> None:
        """Read the executions up to the request's market time (bounded)."""
        self.executions.poll()
        deadline = time.monotonic() + _CATCH_UP_TIMEOUT_S
        socket = self.executions.sockets[0]
        while self.watermark_ns < request.ts_event_ns and time.monotonic() < deadline:
            if socket.poll(10, zmq.POLLIN):
                self.executions.poll()

    def _send(self, command: OrderSubmitted | CancelOrder | OrderRejected) -> None:
        """Hand ``command`` to the order gateway; wait while it cannot be reached (a stop
        meanwhile leaves the request unacknowledged, in doubt, for the next run)."""
        if self._replaying:
            return
        warned = False
        while True:
            try:
                reply = self.orders.request(command)
            except (RequestTimeout, CircuitOpenError) as exc:
                if not warned:
                    log.error("executor: %s: waiting for the order gateway", exc)
                    self.process.set_state("degraded", "the order gateway does not answer")
                    warned = True
                self.waits += 1
                if self.process.stop.wait(0.1):
                    raise StopWhileSending(command) from exc
                continue
            self.sent += 1
            if isinstance(reply, ErrorEvent):  # it refused the request: say so, go on
                log.error(
                    "executor: the order gateway refused %s: %s", command.order_id, reply.error
                )
                self.bus.publish(reply)
            if warned:
                self.process.set_state("running", "the order gateway answers")
            return

    def _send_rejection(self, rejected: OrderRejected) -> None:
        """A rejection made here (risk, sizing) goes to the order gateway, which publishes
        it to the strategies with the rest of the order's story."""
        self._send(rejected)

    def run(self) -> int:
        """Serve until stopped; the exit code."""
        self.process.set_state("starting", "waiting for the order gateway")
        self.process.pump_until(Pump([self.executions]), lambda: self.watermark_seen)
        pump = Pump([self.signals, self.executions])
        if not self.process.stop.is_set():
            self._recover()
            self.process.set_state("running")
        try:
            while not self.process.stop.is_set():
                self.control.keep_ready()
                pump.once(0.05)
                self.process.beat()
        except StopWhileSending as stopped:
            log.warning("executor: stopped while %s waited for the order gateway", stopped.args[0])
        self.process.set_state("stopping")
        self.signals.close()
        self.executions.close()
        self.orders.close()
        self.control.close()
        self.process.set_state("stopped")
        return 0
