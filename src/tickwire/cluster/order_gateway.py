"""The order-gateway role: the cluster's venue. It answers the executor's orders over
REQ/REP, fills them with the simulated broker on the gateway's market data, and
publishes everything that happens on its executions PUB: the market events it handled,
order updates, fills, and after each market event a :class:`~tickwire.events.Watermark`.

In a lockstep replay the orders of a step (sent while the strategies handled one market
event) are placed just before the next event, in the order of the strategies in the
file, so that the broker matches them in the order one process would have sent them.

A process that restarts asks it for the session's fills (:class:`FillsQuery`, answered
a page at a time) to rebuild its portfolio.

Orders are idempotent by ``order_id``: a request sent again (the executor's lazy-pirate
retry, or a restarted executor re-sending an order in doubt) is acknowledged and not
placed twice. :attr:`OrderGateway.requests` and :attr:`OrderGateway.orders` count both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import zmq

from tickwire.bus import EventBus
from tickwire.cluster._control import ControlChannel
from tickwire.cluster._process import RoleProcess
from tickwire.events import (
    Bar,
    CancelOrder,
    EndOfData,
    EventBase,
    Fill,
    FillHistory,
    FillsQuery,
    OrderRejected,
    OrderSubmitted,
    SignalAck,
    Tick,
    Trade,
    Watermark,
    now_ns,
)
from tickwire.execution import SimulatedBroker
from tickwire.node._node import BROKER_PRIORITY, PORTFOLIO_PRIORITY
from tickwire.portfolio import Portfolio
from tickwire.transport import MarketDataPublisher, MarketDataSubscriber, Pump, ReplyServer

__all__ = ["OrderGateway"]

_MARKET = (Bar, Tick, Trade)
_FILLS_PAGE = 1_000
"""Fills per FillHistory reply (about 250 KB)."""
_FORWARD_PRIORITY = 2**62
"""The executions PUB sees each event before anyone reacts to it, so that the wire
carries a bar before the fills it causes (the order the recorder keeps)."""


class OrderGateway:
    """The order gateway of ``process.cluster``; ``broker`` holds SimulatedBroker options."""

    def __init__(
        self,
        process: RoleProcess,
        context: zmq.Context[zmq.Socket[bytes]],
        broker: Mapping[str, Any],
    ) -> None:
        cluster = process.cluster
        endpoints = cluster.endpoints
        self.process = process
        self.bus = EventBus()
        portfolio = Portfolio(self.bus, cluster.order_gateway.cash, priority=PORTFOLIO_PRIORITY)
        SimulatedBroker(self.bus, portfolio, priority=BROKER_PRIORITY, **broker)
        self.executions = MarketDataPublisher(
            endpoints.executions,
            sender="order-gateway",
            name="executions",
            context=context,
            curve=cluster.curve("order-gateway", "order-gateway"),
        )
        self.bus.subscribe_all(self.executions.publish, priority=_FORWARD_PRIORITY)
        self.market = MarketDataSubscriber(
            endpoints.market_data,
            self._on_market,
            dead_letters=self.bus.dead_letters,
            name="market-data",
            context=context,
            curve=cluster.curve("gateway", "order-gateway"),
        )
        self.orders = ReplyServer(
            endpoints.orders,
            self._on_request,
            sender="order-gateway",
            dead_letters=self.bus.dead_letters,
            report=self.bus.publish,
            context=context,
            curve=cluster.curve("order-gateway", "order-gateway"),
        )
        self.fills: list[Fill] = []
        """The session's fills, for a process that restarts (:class:`FillsQuery`)."""
        self.bus.subscribe(Fill, self.fills.append)
        self.handled = 0
        self.requests = 0
        """Requests answered, repeats included."""
        self.placed: set[str] = set()
        """Ids of the orders placed (each once)."""
        self.repeats = 0
        self.end = False
        self.lockstep = cluster.lockstep
        self._held: list[OrderSubmitted | OrderRejected | CancelOrder] = []
        """Lockstep: the step's orders, placed before the next market event."""
        self._names = cluster.strategy_names()
        self.control = ControlChannel(process, context)
        process.stats = self.stats

    def stats(self) -> dict[str, Any]:
        """The heartbeat's counts."""
        return {
            "market_events": self.handled,
            "requests": self.requests,
            "orders": len(self.placed),
            "repeated_requests": self.repeats,
            "executions": self.executions.stats(),
            "market_data": self.market.stats(),
        }

    def _on_market(self, event: EventBase) -> None:
        if isinstance(event, _MARKET):
            self._place_held()
            self.bus.publish(event)
            self.handled += 1
            self._watermark(event.ts_event_ns)
        elif isinstance(event, EndOfData):
            self.end = True
            self._place_held()
            self.executions.publish(event)
            self.executions.flush()
        elif isinstance(event, Watermark):  # the gateway's probe: answer with ours
            self._watermark(event.ts_event_ns)
        else:
            self.bus.publish(event)  # a gap, an error: the recorder keeps it

    def _watermark(self, ts: int) -> None:
        self.executions.publish(
            Watermark(ts_event_ns=ts, source="order-gateway", handled=self.handled)
        )
        self.executions.flush()

    def _on_request(self, request: EventBase) -> EventBase:
        if isinstance(request, FillsQuery):
            page = tuple(self.fills[request.after : request.after + _FILLS_PAGE])
            after = request.after + len(page)
            return FillHistory(
                ts_event_ns=now_ns(), fills=page, next=after, complete=after >= len(self.fills)
            )
        self.requests += 1
        order_id = getattr(request, "order_id", "")
        duplicate = isinstance(request, OrderSubmitted | OrderRejected) and order_id in self.placed
        if duplicate:
            self.repeats += 1
        elif isinstance(request, OrderSubmitted | OrderRejected | CancelOrder):
            if not isinstance(request, CancelOrder):
                self.placed.add(order_id)
            if self.lockstep and not self.end:
                self._held.append(request)
            else:
                self.bus.publish(request)
                self.executions.flush()
        else:
            raise TypeError(
                f"the order gateway takes orders and cancels, not {type(request).__name__}"
            )
        return SignalAck(
            ts_event_ns=now_ns(),
            signal_id=order_id,
            sender="executor",
            receiver="order-gateway",
            duplicate=duplicate,
        )

    def _place_held(self) -> None:
        """Place the orders of the step that ended in the strategies' configured order
        (each strategy's own in the order it sent them), as one process would have."""
        if not self._held:
            return
        held = sorted(self._held, key=lambda r: self._rank_of(r.order_id))
        self._held.clear()
        for request in held:
            self.bus.publish(request)
        self.executions.flush()

    def _rank_of(self, order_id: str) -> int:
        """The place in the file of the strategy whose ids start ``order_id`` (its name
        and ``-``: no strategy's name starts another's ids)."""
        for n, name in enumerate(self._names):
            if order_id.startswith(name + "-"):
                return n
        return len(self._names)

    def run(self) -> int:
        """Serve until stopped; the exit code."""
        pump = Pump([self.market, self.orders, self.executions])
        self.process.set_state("running")
        self.process.pump_until(pump, lambda: self.control.keep_ready() and False)
        self.process.set_state("stopping")
        self.executions.close()
        self.market.close()
        self.orders.close()
        self.control.close()
        self.process.set_state("stopped")
        return 0
