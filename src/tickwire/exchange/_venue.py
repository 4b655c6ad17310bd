"""The matching venue: the simulated broker on a bus of its own, with durable records.

Orders are matched by :class:`~tickwire.execution.SimulatedBroker` (the rules of
``docs/fill_rules.md``) with a :class:`~tickwire.portfolio.Portfolio` as its account,
exactly as in a backtest; the venue turns what the broker publishes into order and fill
records, numbers the fills, and writes every change to :class:`ExchangeState` before
returning it, so nothing is announced that a restart could forget.

A restart (:meth:`Venue.restore`) rebuilds the account from the stored fills, shows the
broker the last event of each instrument replayed, and places every still-working order
again for its unfilled quantity, eligible from the next event, as it was before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from tickwire.bus import EventBus
from tickwire.events import (
    ORDER_UPDATES,
    CancelOrder,
    ErrorEvent,
    Fill,
    OrderCancelled,
    OrderRejected,
    OrderSubmitted,
    OrderUpdate,
    SubmitOrder,
)
from tickwire.exchange._market import MarketEvent
from tickwire.exchange._protocol import (
    ErrorCode,
    FillRecord,
    NewOrder,
    OrderRecord,
    PositionRecord,
)
from tickwire.exchange._state import ExchangeState
from tickwire.execution import SimulatedBroker
from tickwire.portfolio import Portfolio

__all__ = ["Changes", "Venue"]

log = logging.getLogger(__name__)

_BROKER_PRIORITY = 100  # as in a backtest: the broker matches before the account marks
_ACCOUNT_PRIORITY = 50
_RECORDS_PRIORITY = 1_000_000_000  # sees each event as it is published, in order


class Changes(NamedTuple):
    """What one request or market event changed, already stored."""

    orders: list[OrderRecord]
    fills: list[FillRecord]


class Venue:
    """Matches orders against the replayed market; see the module docstring."""

    def __init__(
        self,
        state: ExchangeState,
        instruments: Sequence[str],
        cash: float,
        broker_options: dict[str, Any] | None = None,
    ) -> None:
        self.state = state
        self.bus = EventBus()
        self.account = Portfolio(self.bus, cash, priority=_ACCOUNT_PRIORITY)
        self.broker = SimulatedBroker(
            self.bus,
            self.account,
            priority=_BROKER_PRIORITY,
            instruments=instruments,
            **(broker_options or {}),
        )
        for update in ORDER_UPDATES:
            self.bus.subscribe(update, self._on_update, priority=_RECORDS_PRIORITY)
        self.bus.subscribe(Fill, self._on_fill, priority=_RECORDS_PRIORITY)
        self.bus.subscribe(ErrorEvent, self._on_error, priority=_RECORDS_PRIORITY)
        self.market_ns = 0
        """Market time: the time of the last event replayed (0 before the first)."""
        self._working: dict[str, OrderRecord] = {}
        self._known = state.order_ids()  # a new id then needs no query
        self._changed: dict[str, OrderRecord] = {}
        self._fills: list[FillRecord] = []
        self._fill_seq = state.fill_count()
        self._order_seq = state.order_count()

    # -- restart ---------------------------------------------------------------------------

    def restore(self, last_events: Iterable[MarketEvent]) -> Changes:
        """Rebuild the account, the broker's view of the market and the working orders
        from the stored state (``last_events``: the last replayed event per instrument)."""
        for fill in self.state.all_fills():
            self.account.on_fill(_fill_event(fill))
        for event in sorted(last_events, key=lambda e: e.ts_event_ns):
            self.bus.publish(event)
            self.market_ns = max(self.market_ns, event.ts_event_ns)
        for record in self.state.open_orders():
            self._working[record.client_order_id] = record
            remaining = record.quantity - record.filled_quantity
            self.bus.publish(_submitted(record, remaining, self.market_ns))
            if record.status == "REJECTED":  # the broker refused it this time
                self._working.pop(record.client_order_id, None)
                record.status = "CANCELLED"
                record.reason = f"could not be restored after a restart: {record.reason}"
                self._changed[record.client_order_id] = record
        return self._commit(None)

    # -- requests --------------------------------------------------------------------------

    def submit(self, request: NewOrder, refuse: str | None = None) -> tuple[OrderRecord, bool]:
        """The order for ``request`` and whether it is new: an id seen before returns the
        first order's record, unchanged. ``refuse`` rejects a new order with that reason."""
        existing = self.order(request.client_order_id)
        if existing is not None:
            return existing, False
        self._order_seq += 1
        self._known.add(request.client_order_id)
        record = OrderRecord(
            client_order_id=request.client_order_id,
            instrument=request.instrument,
            side=request.side,
            quantity=request.quantity,
            order_type=request.order_type,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            status="REJECTED" if refuse else "ACCEPTED",
            reason=refuse or "",
            order_seq=self._order_seq,
            ts_ns=self.market_ns,
            updated_ns=self.market_ns,
        )
        self._changed[record.client_order_id] = record
        if refuse is None:
            self._working[record.client_order_id] = record
            self.bus.publish(_submitted(record, record.quantity, self.market_ns))
        self._commit(None)
        return record, True

    def cancel(self, client_order_id: str) -> OrderRecord | ErrorCode:
        """Cancel a working order: its record afterwards, or why there is none to cancel."""
        record = self._working.get(client_order_id)
        if record is None:
            known = self.state.order(client_order_id)
            return ErrorCode.UNKNOWN_ORDER if known is None else ErrorCode.NOT_CANCELLABLE
        self.bus.publish(
            CancelOrder(
                ts_event_ns=self.market_ns,
                order_id=client_order_id,
                instrument=record.instrument,
                id=f"{client_order_id}-cancel",
            )
        )
        self._commit(None)
        return record

    def on_market(self, event: MarketEvent, replayed: int) -> Changes:
        """Match ``event`` (the ``replayed``-th of the data) and store what it changed."""
        self.market_ns = event.ts_event_ns
        self.bus.publish(event)
        return self._commit(replayed)

    # -- queries ---------------------------------------------------------------------------

    def order(self, client_order_id: str) -> OrderRecord | None:
        """The record of an order, or None."""
        working = self._working.get(client_order_id)
        if working is not None:
            return working
        return self.state.order(client_order_id) if client_order_id in self._known else None

    def open_orders(self) -> list[OrderRecord]:
        """Working orders, oldest first."""
        return sorted(self._working.values(), key=lambda record: record.order_seq)

    def positions(self) -> list[PositionRecord]:
        """The position in every instrument traded (flat ones too)."""
        return [
            PositionRecord(
                instrument=name,
                quantity=position.quantity,
                avg_price=position.avg_price,
                realized_pnl=position.realized_pnl,
            )
            for name, position in sorted(self.account.positions().items())
        ]

    def balances(self) -> dict[str, float]:
        """Cash, equity (positions marked at the last price) and cash reserved by buys."""
        return {
            "cash": self.account.cash,
            "equity": self.account.equity,
            "reserved": self.broker.reserved_cash,
            "initial_cash": self.account.initial_cash,
        }

    # -- what the broker publishes -------------------------------------------------------

    def _on_update(self, update: OrderUpdate) -> None:
        record = self._working.get(update.order_id)
        if record is None:
            return
        status = update.status.value
        if status == "SUBMITTED":
            return
        if status == "ACCEPTED" and record.is_open:
            return  # recorded as accepted when it arrived (or placed again on a restart)
        record.status = status
        record.updated_ns = update.ts_event_ns
        if isinstance(update, OrderRejected | OrderCancelled):
            record.reason = update.reason
        if not record.is_open:
            del self._working[record.client_order_id]
        self._changed[record.client_order_id] = record

    def _on_fill(self, fill: Fill) -> None:
        record = self._working.get(fill.order_id) or self._changed.get(fill.order_id)
        if record is None:  # cannot happen: the broker fills only orders placed here
            log.error("exchange: a fill for unknown order %r", fill.order_id)
            return
        self._fill_seq += 1
        notional = record.avg_fill_price * record.filled_quantity + fill.quantity * fill.price
        record.filled_quantity += fill.quantity
        record.avg_fill_price = notional / record.filled_quantity
        record.updated_ns = fill.ts_event_ns
        self._changed[record.client_order_id] = record
        self._fills.append(
            FillRecord(
                seq=self._fill_seq,
                trade_id=f"T{self._fill_seq:09d}",
                client_order_id=fill.order_id,
                instrument=fill.instrument,
                side=fill.side,
                quantity=fill.quantity,
                price=fill.price,
                commission=fill.commission,
                ts_ns=fill.ts_event_ns,
            )
        )

    def _on_error(self, error: ErrorEvent) -> None:
        log.error("exchange: %s failed: %s", error.component, error.error)

    def _commit(self, replayed: int | None) -> Changes:
        orders = list(self._changed.values())
        fills = self._fills
        self.state.commit(orders, fills, replayed)
        self._changed = {}
        self._fills = []
        return Changes(orders, fills)


def _submitted(record: OrderRecord, quantity: float, ts: int) -> OrderSubmitted:
    order = SubmitOrder(
        ts_event_ns=ts,
        instrument=record.instrument,
        side=record.side,
        quantity=quantity,
        order_type=record.order_type,
        limit_price=record.limit_price,
        stop_price=record.stop_price,
        time_in_force=record.time_in_force,
        order_id=record.client_order_id,
        id=f"{record.client_order_id}-request",  # ids that say what they are, and no uuid4
    )
    return OrderSubmitted(
        ts_event_ns=ts,
        order_id=record.client_order_id,
        instrument=record.instrument,
        order=order,
        id=f"{record.client_order_id}-submitted",
    )


def _fill_event(fill: FillRecord) -> Fill:
    return Fill(
        ts_event_ns=fill.ts_ns,
        order_id=fill.client_order_id,
        instrument=fill.instrument,
        side=fill.side,
        quantity=fill.quantity,
        price=fill.price,
        commission=fill.commission,
        id=fill.trade_id,
    )
