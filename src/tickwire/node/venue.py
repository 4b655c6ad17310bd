"""A node's execution at a venue: orders through an execution client, fills back as events.

:class:`VenueExecution` takes the simulated broker's place in a live node. It sends each
order the risk manager approved (``OrderSubmitted``) and each ``CancelOrder`` through an
:class:`~tickwire.exchange.ExecutionClient`, and publishes what the venue says as the
broker would: ``OrderAccepted``, ``OrderRejected`` (the reason starts with ``venue:``),
``Fill`` with ``OrderPartiallyFilled``/``OrderFilled``, ``OrderCancelled``.

Nothing is lost or doubled across disconnects:

- an order whose outcome is unknown (no acknowledgement) stays in flight and is settled
  by asking the venue (``resolve``), never by sending it again on a guess; the client
  order id is the idempotency key, and in a venue node it holds the session's id, so a
  later session never reuses one;
- fills come pushed as they happen and are also fetched by number (``fills_since``)
  every ``poll_interval``, so fills made while the connection was down are found; each is
  applied once, by the venue's trade id, and counted as seen only once applied.

Fills are applied in the venue's numbering: a pushed fill that outran ones a dropped
connection lost waits for them (the next poll brings them), so the portfolio sees the
account's history in the venue's order.

Reconciliation runs before the strategies start (the node fails closed if it cannot)
and after every reconnect: the venue's open orders (one this session did not place is
adopted as external), the fills since the last one applied (at the start, the venue's
fill history is taken as what came before the session, not applied again; a later fill
of an order this session did not place is applied and reported as inferred), and the
positions: at the start, a position the venue holds is adopted (the portfolio takes it
over at the venue's average price, so a restarted session trades on from what the
account holds); later, a difference from this session's fills is reported, never
assumed flat.
Each difference is a :class:`~tickwire.events.ReconciliationEvent` and a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from tickwire._exceptions import TickwireError
from tickwire._types import BusLike
from tickwire.events import (
    CancelOrder,
    Fill,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    SubmitOrder,
    now_ns,
)
from tickwire.events.venue import ReconciliationEvent, ReconciliationKind
from tickwire.exchange import (
    CommandResult,
    ExecutionClient,
    FillRecord,
    OrderRecord,
    Outcome,
    VenueUnavailable,
)
from tickwire.execution._orders import order_update

__all__ = ["ReconciliationFailed", "VenueExecution"]

log = logging.getLogger(__name__)

_DONE = frozenset({"FILLED", "CANCELLED", "REJECTED"})
_EPSILON = 1e-9


class ReconciliationFailed(TickwireError):
    """The venue could not be reconciled before the strategies started."""


@dataclass
class _Order:
    """What this node knows of one of its orders."""

    request: SubmitOrder
    filled: float = 0.0
    accepted: bool = False
    done: bool = False


class VenueExecution:
    """Orders to a venue through ``client``; see the module docstring."""

    def __init__(
        self,
        client: ExecutionClient,
        *,
        poll_interval: float = 1.0,
        name: str = "venue",
    ) -> None:
        if not poll_interval > 0:
            raise ValueError(f"poll_interval must be above 0, got {poll_interval}")
        self.client = client
        self.poll_interval = poll_interval
        self.name = name
        self.bus: BusLike | None = None
        self.positions: dict[str, float] = {}
        """Net position per instrument from the fills applied (this node's view)."""
        self._orders: dict[str, _Order] = {}
        self._seen_trades: set[str] = set()
        self._last_seq = -1
        """Every fill at the venue numbered up to this one is applied (or came before
        the session); -1 until the first reconciliation."""
        self._early: dict[int, FillRecord] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pending: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._healthy = True

    # -- wiring and lifecycle ------------------------------------------------------------

    def attach(self, bus: BusLike, *, priority: int = 0) -> None:
        """Take the orders the risk manager approves, and cancels, from ``bus``."""
        self.bus = bus
        bus.subscribe(OrderSubmitted, self.on_order_submitted, priority=priority)
        bus.subscribe(CancelOrder, self.on_cancel, priority=priority)

    async def start(self) -> None:
        """Reconcile with the venue (ReconciliationFailed if it cannot answer), then
        follow its pushed updates and poll it."""
        self._loop = asyncio.get_running_loop()
        try:
            await self.reconcile()
        except VenueUnavailable as exc:
            raise ReconciliationFailed(f"{self.name}: cannot reconcile: {exc}") from exc
        self._tasks = [
            asyncio.create_task(self._follow_updates(), name=f"{self.name}:updates"),
            asyncio.create_task(self._poll(), name=f"{self.name}:poll"),
        ]

    async def stop(self) -> None:
        """Let the commands in progress finish, settle what can be settled, and close."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=self.poll_interval * 5)
        with contextlib.suppress(VenueUnavailable):
            await self._settle()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        close = getattr(self.client, "close", None)
        if close is not None:
            await close()

    @property
    def in_flight(self) -> frozenset[str]:
        """Orders whose outcome the venue has not told yet."""
        return self.client.in_flight

    # -- commands (bus handlers: they schedule the venue call) ---------------------------

    def on_order_submitted(self, event: OrderSubmitted) -> None:
        order = event.order
        self._orders[order.order_id] = _Order(order)
        self._schedule(self._submit(order))

    def on_cancel(self, event: CancelOrder) -> None:
        if event.order_id in self._orders:
            self._schedule(self._cancel(event.order_id))

    def _schedule(self, command: Any) -> None:
        """Run ``command`` as a task on the node's loop: at once from the loop's own
        thread (no wake-up through the loop's self-pipe), else handed over to it."""
        loop = self._loop
        if loop is None:
            raise RuntimeError(f"{self.name} is not started")
        try:
            here = asyncio.get_running_loop() is loop
        except RuntimeError:
            here = False
        if here:
            self._run(loop, command)
        else:
            loop.call_soon_threadsafe(self._run, loop, command)

    def _run(self, loop: asyncio.AbstractEventLoop, command: Any) -> None:
        task = loop.create_task(command)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _submit(self, order: SubmitOrder) -> None:
        result = await self.client.submit(order)
        self._apply_result(result)

    async def _cancel(self, order_id: str) -> None:
        result = await self.client.cancel(order_id)
        if result.outcome is Outcome.REJECTED:
            log.info("%s: cancel of %s refused: %s", self.name, order_id, result.reason)
        self._apply_result(result, cancelling=True)

    # -- what the venue says ------------------------------------------------------------

    def _apply_result(self, result: CommandResult, *, cancelling: bool = False) -> None:
        known = self._orders.get(result.client_order_id)
        if known is None or known.done:
            return
        if result.outcome is Outcome.UNKNOWN:
            log.warning(
                "%s: %s in flight (%s); settled by asking the venue",
                self.name,
                result.client_order_id,
                result.reason,
            )
            return
        if result.outcome is Outcome.REJECTED and result.order is None and not cancelling:
            self._publish_rejected(known, result.reason)
            return
        if result.order is not None:
            self._apply_order(result.order)

    def _apply_order(self, record: OrderRecord) -> None:
        """Bring this node's view of an order up to the venue's record of it."""
        known = self._orders.get(record.client_order_id)
        if known is None:
            self._adopt(record)
            return
        if known.done:
            return
        if record.status == "REJECTED":
            self._publish_rejected(known, record.reason)
            return
        if not known.accepted:
            known.accepted = True
            self._publish(order_update(OrderAccepted, known.request, record.ts_ns, "-accepted"))
        if record.status == "CANCELLED" and known.filled >= record.filled_quantity - _EPSILON:
            known.done = True
            self._publish(
                order_update(
                    OrderCancelled, known.request, record.updated_ns, "-cancelled",
                    reason=f"venue: {record.reason or 'cancelled'}",
                )
            )  # fmt: skip

    def _take_fill(self, fill: FillRecord) -> None:
        """Apply ``fill`` in the venue's order: one that comes before the fills numbered
        in front of it (a push that outran fills a dropped connection lost) waits for
        them; the next poll fetches them."""
        if fill.seq <= self._last_seq or fill.trade_id in self._seen_trades:
            return  # applied already: a push and a poll both brought it
        if fill.seq != self._last_seq + 1:
            self._early[fill.seq] = fill
            return
        self._apply_fill(fill)
        while self._last_seq + 1 in self._early:
            self._apply_fill(self._early.pop(self._last_seq + 1))

    def _apply_fill(self, fill: FillRecord) -> None:
        """Publish a fill (the next by number), then the order's progress."""
        known = self._orders.get(fill.client_order_id)
        if known is None:
            self._reconciled(
                ReconciliationKind.FILL_INFERRED,
                fill.client_order_id,
                fill.instrument,
                f"fill {fill.trade_id} of an order this session did not place: "
                f"{fill.side} {fill.quantity:g} at {fill.price:g}",
            )
        else:
            if not known.accepted:
                known.accepted = True
                self._publish(order_update(OrderAccepted, known.request, fill.ts_ns, "-accepted"))
            known.filled += fill.quantity
        self._publish(
            Fill(
                ts_event_ns=fill.ts_ns,
                order_id=fill.client_order_id,
                instrument=fill.instrument,
                side=fill.side,
                quantity=fill.quantity,
                price=fill.price,
                commission=fill.commission,
                signal_id=None if known is None else known.request.signal_id,
                strategy_name="" if known is None else known.request.strategy_name,
                id=f"venue-fill-{fill.trade_id}",
            )
        )
        sign = 1.0 if fill.side.value == "BUY" else -1.0
        self.positions[fill.instrument] = self.positions.get(fill.instrument, 0.0) + sign * (
            fill.quantity
        )
        self._seen_trades.add(fill.trade_id)  # seen only once applied
        self._last_seq = fill.seq
        if known is None:
            return
        remaining = known.request.quantity - known.filled
        if remaining <= _EPSILON:
            known.done = True
            self._publish(
                order_update(
                    OrderFilled, known.request, fill.ts_ns, "-filled",
                    filled_quantity=known.filled, avg_fill_price=fill.price,
                )
            )  # fmt: skip
        else:
            self._publish(
                order_update(
                    OrderPartiallyFilled, known.request, fill.ts_ns,
                    f"-partial-{fill.trade_id}", filled_quantity=known.filled,
                    remaining_quantity=remaining, avg_fill_price=fill.price,
                )
            )  # fmt: skip

    def _adopt(self, record: OrderRecord) -> None:
        """Track an order the venue has and this session never placed."""
        request = SubmitOrder(
            ts_event_ns=record.ts_ns,
            instrument=record.instrument,
            side=record.side,
            quantity=record.quantity,
            order_type=record.order_type,
            limit_price=record.limit_price,
            stop_price=record.stop_price,
            time_in_force=record.time_in_force,
            order_id=record.client_order_id,
        )
        known = _Order(request, filled=record.filled_quantity, accepted=True)
        known.done = record.status in _DONE
        self._orders[record.client_order_id] = known
        self._reconciled(
            ReconciliationKind.ORDER_ADOPTED,
            record.client_order_id,
            record.instrument,
            f"{record.status.lower()} order this session did not place: {record.side} "
            f"{record.quantity:g} ({record.filled_quantity:g} filled), adopted as external",
        )

    def _publish_rejected(self, known: _Order, reason: str) -> None:
        known.done = True
        self._publish(
            order_update(
                OrderRejected, known.request, known.request.ts_event_ns, "-rejected",
                reason=f"venue: {reason}",
            )
        )  # fmt: skip

    def _reconciled(
        self,
        kind: ReconciliationKind,
        order_id: str,
        instrument: str,
        detail: str,
        *,
        quantity: float = 0.0,
        avg_price: float = 0.0,
    ) -> None:
        log.warning("%s: reconciliation: %s %s: %s", self.name, kind.value, order_id, detail)
        self._publish(
            ReconciliationEvent(
                ts_event_ns=now_ns(),
                venue=self.name,
                kind=kind,
                order_id=order_id,
                instrument=instrument,
                detail=detail,
                quantity=quantity,
                avg_price=avg_price,
            )
        )

    def _publish(self, event: Any) -> None:
        bus = self.bus
        if bus is None:
            raise RuntimeError(f"{self.name} is not attached to a bus")
        bus.publish(event)

    # -- reconciliation -------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Open orders, fills since the last one applied, and positions, against the
        venue's; VenueUnavailable if it does not answer (nothing is assumed then)."""
        async with self._lock:
            starting = self._last_seq < 0
            for record in await self.client.open_orders():
                self._apply_order(record)
            await self._apply_new_fills()
            for order_id in list(self.client.in_flight):
                self._apply_result(await self.client.resolve(order_id))
            await self._check_working_orders()
            await self._check_positions(adopt=starting)

    async def _settle(self) -> None:
        """The cheap part of a reconciliation: in-flight orders and new fills."""
        async with self._lock:
            for order_id in list(self.client.in_flight):
                self._apply_result(await self.client.resolve(order_id))
            await self._apply_new_fills()

    async def _apply_new_fills(self) -> None:
        if self._last_seq < 0:  # the first time: fills before this session are history
            history = await self.client.fills_since(0)
            self._last_seq = history[-1].seq if history else 0
            return
        for fill in await self.client.fills_since(self._last_seq):
            self._take_fill(fill)

    async def _check_working_orders(self) -> None:
        """An order of ours still working here but not at the venue: ask for its status."""
        open_ids = {record.client_order_id for record in await self.client.open_orders()}
        for order_id, known in list(self._orders.items()):
            if known.done or order_id in open_ids or order_id in self.client.in_flight:
                continue
            record = await self.client.order_status(order_id)
            if record is not None:
                self._apply_order(record)

    async def _check_positions(self, *, adopt: bool) -> None:
        """Compare the venue's positions with this session's; at the start (``adopt``),
        one the venue holds becomes the session's, at the venue's average price."""
        for record in await self.client.positions():
            mine = self.positions.get(record.instrument, 0.0)
            if abs(mine - record.quantity) <= _EPSILON:
                continue
            if adopt and not mine:
                self.positions[record.instrument] = record.quantity
                self._reconciled(
                    ReconciliationKind.POSITION_ADOPTED,
                    "",
                    record.instrument,
                    f"the venue holds {record.quantity:g} at {record.avg_price:g}: adopted",
                    quantity=record.quantity,
                    avg_price=record.avg_price,
                )
                continue
            self._reconciled(
                ReconciliationKind.POSITION_DIFFERS,
                "",
                record.instrument,
                f"the venue holds {record.quantity:g}, this session's fills {mine:g}",
            )

    # -- background ---------------------------------------------------------------------

    async def _follow_updates(self) -> None:
        async for update in self.client.updates():
            if isinstance(update, FillRecord):
                if self._last_seq >= 0:
                    self._take_fill(update)
            else:
                self._apply_order(update)

    async def _poll(self) -> None:
        """Settle in-flight orders and fetch fills every interval; a full reconciliation
        after the venue comes back from being unreachable."""
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                if self._healthy:
                    await self._settle()
                else:
                    await self.reconcile()
                    log.info("%s: the venue answers again; reconciled", self.name)
                self._healthy = True
            except VenueUnavailable as exc:
                if self._healthy:
                    log.warning("%s: the venue does not answer: %s", self.name, exc)
                self._healthy = False
