# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The simulated broker: pessimistic fills of working orders against bars.

Subscribe it with a higher priority than strategies, so that on each bar it first
matches the orders that were working before the bar. The rules (also in
``docs/fill_rules.md``):

=================  ==========================  ===================================
Order              Fills on a bar when         At price (before slippage)
=================  ==========================  ===================================
market             first eligible bar          open
buy limit          low <= limit                min(open, limit)
sell limit         high >= limit               max(open, limit)
buy stop           high >= stop                max(open, stop)
sell stop          low <= stop                 min(open, stop)
buy stop-limit     triggers on high >= stop    open >= stop: as a limit on that
                                               bar; else at stop if stop <= limit,
                                               else not before the next bar
sell stop-limit    triggers on low <= stop     mirror image of the buy
=================  ==========================  ===================================

- Eligible bars: an order is matched only against bars whose ``ts_event_ns`` is later
  than the newest bar the broker had seen when the order arrived. An order sent while
  bar t is processed therefore fills at the earliest on bar t+1, never at a price the
  strategy has already seen.
- Worst case: when one bar reaches both legs of a bracket, the stop-loss fills and the
  take-profit is cancelled. The exit legs are placed on the bar the entry completes; on
  that same bar only the stop-loss may fill (the take-profit waits for the next bar).
- Time in force: GTC works until filled or cancelled; DAY is cancelled, unfilled part
  only, by the first bar of its instrument on a later UTC day; IOC is cancelled after
  its first eligible bar, whatever did not fill.
- Costs: slippage moves every fill price against the trader, then limit and stop-limit
  fills are clamped to their limit; commission is charged per fill.
- Volume cap: at most ``volume_cap * volume`` units per bar and instrument, shared by
  orders in submission order; the rest waits for later bars (OrderPartiallyFilled).
- Rejections (OrderRejected with a reason): quantity not finite or <= 0, missing or
  invalid limit/stop/bracket prices, an unknown instrument (not in ``instruments``, or
  without any bar yet), a duplicate working order id, a buy whose opening part
  (quantity beyond an existing short) costs more than cash minus what working buys
  have reserved, and, with ``allow_short=False``, a sell beyond the long position.
  Shorts are otherwise allowed without a margin model.
- Cancel: CancelOrder on a working order publishes OrderCancelled; on an unknown or
  finished order an InfoEvent, since there is no order whose lifecycle could change.
- Determinism: orders are matched in submission order; ids derive from the order id
  (fills ``{order_id}-{n}``, bracket legs ``{order_id}-tp`` / ``{order_id}-sl``); every
  event's ``ts_event_ns`` is the bar's (or the request's) event time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

from tickwire._types import Account, BusLike
from tickwire.events import (
    Bar,
    CancelOrder,
    Fill,
    InfoEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
)
from tickwire.execution._costs import CommissionModel, SlippageModel
from tickwire.execution._orders import WorkingOrder, fill_price, order_problem, stop_reached

__all__ = ["SimulatedBroker"]

_NS_PER_DAY: Final = 86_400 * 1_000_000_000
_BEFORE_ANY_BAR: Final = -(2**63)
_DONE_FRACTION: Final = 1e-9  # a remainder below this fraction of the order counts as filled
_STOP_LIMIT: Final = OrderType.STOP_LIMIT  # enum members looked up once (see _orders)
_STOP: Final = OrderType.STOP
_LIMIT: Final = OrderType.LIMIT
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL


class SimulatedBroker:
    """Fills orders against bars under pessimistic rules (see the module docstring).

    ``account`` (cash and positions) enables the buying-power and short-selling
    checks; ``instruments`` restricts trading to a fixed list instead of "any
    instrument a bar has been seen for".
    """

    def __init__(
        self,
        bus: BusLike,
        account: Account | None = None,
        *,
        priority: int = 0,
        instruments: Iterable[str] | None = None,
        commission: CommissionModel | None = None,
        slippage: SlippageModel | None = None,
        volume_cap: float | None = None,
        allow_short: bool = True,
    ) -> None:
        if volume_cap is not None and not (0.0 < volume_cap <= 1.0):
            raise ValueError(f"SimulatedBroker: volume_cap must be in (0, 1], got {volume_cap!r}")
        if not allow_short and account is None:
            raise ValueError("SimulatedBroker: allow_short=False needs an account")
        self._bus = bus
        self._account = account
        self._instruments = frozenset(instruments) if instruments is not None else None
        self._commission = commission
        self._slippage = slippage
        self._volume_cap = volume_cap
        self._allow_short = allow_short
        self._books: dict[str, list[WorkingOrder]] = {}  # only instruments with working orders
        self._orders: dict[str, WorkingOrder] = {}  # working orders, in submission order
        self._last_bar: dict[str, Bar] = {}
        self._budget = math.inf  # units the volume cap still allows on the current bar
        self._reserved = 0.0
        bus.subscribe(Bar, self.on_bar, priority=priority)
        bus.subscribe(OrderSubmitted, self.on_order_submitted, priority=priority)
        bus.subscribe(CancelOrder, self.on_cancel, priority=priority)

    # -- queries -------------------------------------------------------------------------

    def open_order_ids(self) -> list[str]:
        """Ids of the working orders, in submission order."""
        return list(self._orders)

    def remaining(self, order_id: str) -> float | None:
        """The unfilled quantity of a working order, or None if it is not working."""
        order = self._orders.get(order_id)
        return None if order is None else order.remaining

    @property
    def reserved_cash(self) -> float:
        """Cash set aside for the unfilled parts of working buy orders."""
        return self._reserved

    # -- market data (the hot path) ------------------------------------------------------

    def on_bar(self, bar: Bar) -> None:
        """Match the orders working on ``bar.instrument`` before this bar arrived."""
        instrument = bar.instrument
        self._last_bar[instrument] = bar
        books = self._books
        if books and instrument in books:  # most bars find no order working
            self._match(instrument, bar)

    def _match(self, instrument: str, bar: Bar) -> None:
        ts = bar.ts_event_ns
        cap = self._volume_cap
        self._budget = math.inf if cap is None else cap * bar.volume
        # A snapshot: handlers of the events published below may add or cancel orders.
        for order in tuple(self._books[instrument]):
            if order.done or order.arrival_ns >= ts:
                continue
            if order.day >= 0 and ts // _NS_PER_DAY > order.day:
                self._cancel(order, ts, "DAY order expired", bar)
                continue
            price = fill_price(order, bar)
            kind = order.kind
            if (kind is _STOP or kind is _STOP_LIMIT) and not order.triggered:
                order.triggered = stop_reached(order, bar)
            if price is not None and self._other_leg_fills(order, bar, ts):
                price = None
            if price is not None:
                self._fill(order, bar, price)
            if order.ioc and not order.done:
                self._cancel(order, ts, "IOC remainder cancelled", bar)

    def _other_leg_fills(self, order: WorkingOrder, bar: Bar, ts: int) -> bool:
        """True for a take-profit whose stop-loss leg fills on the same bar (worst case)."""
        other = order.sibling
        return (
            other is not None
            and order.kind is _LIMIT
            and not other.done
            and other.arrival_ns < ts
            and fill_price(other, bar) is not None
        )

    # -- order requests ------------------------------------------------------------------

    def on_order_submitted(self, event: OrderSubmitted) -> None:
        """Accept an approved order onto the book, or reject it with the reason."""
        order = event.order
        reason = self._rejection(order)
        reserved = 0.0
        if reason is None and order.side is _BUY and self._account is not None:
            cost = self._buy_cost(order)
            reason = self._buying_power_problem(order.instrument, cost)
            reserved = cost or 0.0
        if reason is not None:
            self._bus.publish(
                OrderRejected(
                    ts_event_ns=order.ts_event_ns,
                    order_id=order.order_id,
                    instrument=order.instrument,
                    signal_id=order.signal_id,
                    reason=reason,
                    id=f"{order.order_id}-rejected",
                )
            )
            return
        # The newest bar time over all instruments: found per order, not stored per bar.
        arrival = _BEFORE_ANY_BAR
        for bar in self._last_bar.values():
            if bar.ts_event_ns > arrival:
                arrival = bar.ts_event_ns
        day_ts = order.ts_event_ns if arrival == _BEFORE_ANY_BAR else arrival
        working = WorkingOrder.from_request(order, arrival, day_ts // _NS_PER_DAY)
        if reserved:
            working.reserved = reserved
            self._reserved += reserved
        self._add(working)
        self._bus.publish(self._accepted(working, order.ts_event_ns))

    def on_cancel(self, request: CancelOrder) -> None:
        """Cancel a working order; an unknown or finished one gets an InfoEvent."""
        order = self._orders.get(request.order_id)
        if order is None:
            self._bus.publish(
                InfoEvent(
                    ts_event_ns=request.ts_event_ns,
                    component="SimulatedBroker",
                    message=f"cancel ignored: no working order {request.order_id!r}",
                )
            )
            return
        self._cancel(order, request.ts_event_ns, "cancelled on request", None)

    def _rejection(self, order: SubmitOrder) -> str | None:
        """Why ``order`` must be rejected, buying power aside (the caller checks that
        with the cost it also reserves)."""
        problem = order_problem(order)
        if problem is not None:
            return problem
        if order.order_id in self._orders:
            return f"duplicate order id {order.order_id!r} (still working)"
        instrument = order.instrument
        known = self._instruments
        if known is not None and instrument not in known:
            return f"unknown instrument {instrument!r} (not in the broker's instruments)"
        if known is None and instrument not in self._last_bar:
            return f"unknown instrument {instrument!r} (no bar seen for it yet)"
        account = self._account
        if account is not None and order.side is _SELL and not self._allow_short:
            held = account.quantity(instrument) - sum(
                o.remaining
                for o in self._books.get(instrument, ())
                if not o.buy and o.parent is None
            )
            if order.quantity > held:
                return f"short selling not allowed: sell {order.quantity:g}, long {held:g}"
        return None

    def _buying_power_problem(self, instrument: str, cost: float | None) -> str | None:
        """Why a buy costing ``cost`` (None: no price to tell) cannot be afforded."""
        assert self._account is not None
        if cost is None:
            return f"no reference price for {instrument!r} to check buying power"
        available = self._account.cash - self._reserved
        if cost > available:
            return f"insufficient buying power: needs {cost:.2f}, available {available:.2f}"
        return None

    def _buy_cost(self, order: SubmitOrder) -> float | None:
        """Cash the opening part of a buy needs at its reference price, with costs."""
        assert self._account is not None
        kind = order.order_type
        if kind is _LIMIT or kind is _STOP_LIMIT:
            price = order.limit_price
        elif kind is _STOP:
            price = order.stop_price
        else:
            bar = self._last_bar.get(order.instrument)
            price = bar.close if bar is not None else None
        if price is None:
            return None
        if self._slippage is not None:
            price = self._slippage(price, _BUY)
        short = -self._account.quantity(order.instrument)
        opening = order.quantity - short if short > 0.0 else order.quantity
        if opening <= 0.0:
            return 0.0  # only buys back a short
        commission = self._commission(opening, price, True) if self._commission else 0.0
        return opening * price + commission

    # -- book keeping --------------------------------------------------------------------

    def _add(self, order: WorkingOrder) -> None:
        self._orders[order.order_id] = order
        book = self._books.get(order.instrument)
        if book is None:
            self._books[order.instrument] = [order]
        else:
            book.append(order)

    def _remove(self, order: WorkingOrder) -> None:
        order.done = True
        del self._orders[order.order_id]
        book = self._books[order.instrument]
        book.remove(order)
        if not book:
            del self._books[order.instrument]
        self._reserved -= order.reserved
        order.reserved = 0.0
        if not self._orders:
            self._reserved = 0.0  # drop accumulated rounding error

    def _accepted(self, order: WorkingOrder, ts: int) -> OrderAccepted:
        return OrderAccepted(
            ts_event_ns=ts,
            order_id=order.order_id,
            instrument=order.instrument,
            signal_id=order.signal_id,
            id=f"{order.order_id}-accepted",
        )

    def _cancel(self, order: WorkingOrder, ts: int, reason: str, bar: Bar | None) -> None:
        if order.done:
            return
        self._remove(order)
        self._bus.publish(
            OrderCancelled(
                ts_event_ns=ts,
                order_id=order.order_id,
                instrument=order.instrument,
                signal_id=order.signal_id,
                reason=reason,
                id=f"{order.order_id}-cancelled",
            )
        )
        if order.filled > 0.0 and order.is_bracket:
            self._place_exits(order, ts, bar)

    # -- fills ---------------------------------------------------------------------------

    def _fill(self, order: WorkingOrder, bar: Bar, raw_price: float) -> None:
        quantity = order.remaining
        if quantity > self._budget:
            quantity = self._budget
            if quantity <= 0.0:
                return
        self._budget -= quantity
        price = raw_price
        if self._slippage is not None:
            price = self._slippage(price, order.side)
            limit = order.limit
            if limit is not None:
                price = min(price, limit) if order.buy else max(price, limit)
        first = order.fills == 0
        commission = self._commission(quantity, price, first) if self._commission else 0.0
        if order.reserved:
            released = order.reserved * quantity / order.remaining
            order.reserved -= released
            self._reserved -= released
        order.fills += 1
        order.filled += quantity
        order.notional += quantity * price
        order.remaining -= quantity
        complete = order.remaining <= order.quantity * _DONE_FRACTION
        if complete:
            order.remaining = 0.0
            self._remove(order)
        sibling = order.sibling
        cancelled_leg: WorkingOrder | None = None
        if sibling is not None and not sibling.done:
            sibling.remaining -= quantity  # the position the other leg protects shrank
            if sibling.remaining <= sibling.quantity * _DONE_FRACTION:
                self._remove(sibling)
                cancelled_leg = sibling

        ts = bar.ts_event_ns
        oid = order.order_id
        publish = self._bus.publish
        publish(
            Fill(
                ts_event_ns=ts,
                order_id=oid,
                instrument=order.instrument,
                side=order.side,
                quantity=quantity,
                price=price,
                commission=commission,
                signal_id=order.signal_id,
                strategy_name=order.strategy_name,
                id=f"{oid}-{order.fills}",
            )
        )
        average = order.notional / order.filled
        if complete:
            publish(
                OrderFilled(
                    ts_event_ns=ts,
                    order_id=oid,
                    instrument=order.instrument,
                    signal_id=order.signal_id,
                    filled_quantity=order.filled,
                    avg_fill_price=average,
                    id=f"{oid}-filled",
                )
            )
        else:
            publish(
                OrderPartiallyFilled(
                    ts_event_ns=ts,
                    order_id=oid,
                    instrument=order.instrument,
                    signal_id=order.signal_id,
                    filled_quantity=order.filled,
                    remaining_quantity=order.remaining,
                    avg_fill_price=average,
                    id=f"{oid}-partial-{order.fills}",
                )
            )
        if cancelled_leg is not None:
            publish(
                OrderCancelled(
                    ts_event_ns=ts,
                    order_id=cancelled_leg.order_id,
                    instrument=cancelled_leg.instrument,
                    signal_id=cancelled_leg.signal_id,
                    reason=f"OCO: {oid} filled",
                    id=f"{cancelled_leg.order_id}-cancelled",
                )
            )
        if complete and order.is_bracket:
            self._place_exits(order, ts, bar)

    def _place_exits(self, entry: WorkingOrder, ts: int, bar: Bar | None) -> None:
        """Place the bracket's exit legs for the filled quantity, one cancelling the other."""
        exit_side = _SELL if entry.buy else _BUY
        legs: list[WorkingOrder] = []
        for suffix, kind, price in (
            ("sl", _STOP, entry.stop_loss),
            ("tp", _LIMIT, entry.take_profit),
        ):
            if price is None:
                continue
            legs.append(
                WorkingOrder(
                    order_id=f"{entry.order_id}-{suffix}",
                    instrument=entry.instrument,
                    side=exit_side,
                    quantity=entry.filled,
                    kind=kind,
                    limit=price if kind is _LIMIT else None,
                    stop=price if kind is _STOP else None,
                    time_in_force=TimeInForce.GTC,
                    arrival_ns=ts,
                    day=-1,
                    signal_id=entry.signal_id,
                    strategy_name=entry.strategy_name,
                    parent=entry.order_id,
                )
            )
        if len(legs) == 2:
            legs[0].sibling, legs[1].sibling = legs[1], legs[0]
        for leg in legs:
            self._add(leg)
        for leg in legs:
            self._bus.publish(self._accepted(leg, ts))
        stop_leg = legs[0] if entry.stop_loss is not None else None
        if bar is None or stop_leg is None or stop_leg.done:
            return
        # Worst case on the entry's own bar: the rest of the bar may have hit the stop.
        price = fill_price(stop_leg, bar)
        if price is not None:
            stop_leg.triggered = True
            self._fill(stop_leg, bar, price)
