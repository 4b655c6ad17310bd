# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The simulated broker: pessimistic fills of working orders against bars and quotes.

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

- Quotes (``Tick``): a buy fills at the ask and a sell at the bid of the first quote
  later than the order; the table above applies with open = high = low = close = the
  ask (buys) or the bid (sells): a limit fills when the quote crosses it, at the quote;
  a stop triggers when the quote reaches it and fills at the quote. Under a volume cap
  at most ``volume_cap * ask_size`` (buys) or ``* bid_size`` (sells) per quote; a quote
  without sizes then fills nothing. A crossed or non-finite quote matches no order.
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
- Rejections (OrderRejected with a reason): anything ``order_problem`` refuses (a field
  of the wrong type, a side, order type or time in force that is not a member of its
  enum, a quantity not finite or <= 0, missing or invalid limit/stop/bracket prices), an
  unknown instrument (not in ``instruments``, or without any bar yet), a duplicate
  working order id, a buy whose opening part (quantity beyond an existing short) costs
  more than cash minus what working buys have reserved, and, with
  ``allow_short=False``, a sell beyond the long position. Shorts are otherwise allowed
  without a margin model.
- Failures: an exception while an order is checked (a slippage or commission model, the
  account) rejects it with ``internal error: ...``; one while a working order fills
  cancels that order the same way and the other orders still match. The exception is
  raised again afterwards, so the bus reports it (an ErrorEvent and a dead letter).
- Bad prices: a bar that breaks the price rules of ``market_data_problem`` (a price not
  finite or not above 0, ``high < low``, open or close outside ``[low, high]``) matches
  no order, and no fill is ever at a price that is not finite or not above 0. Checked
  edges (``Backtest``, the readers) drop such bars before they are published; this is
  the defence for feeds that are not checked. ``allow_nonpositive_prices=True`` admits
  zero and negative prices, in bars and in orders, for instruments that trade there.
- Cancel: CancelOrder on a working order publishes OrderCancelled; on an unknown or
  finished order an InfoEvent, since there is no order whose lifecycle could change.
- Determinism: orders are matched in submission order; ids derive from the order id
  (fills ``{order_id}-{n}``, bracket legs ``{order_id}-tp`` / ``{order_id}-sl``); every
  event's ``ts_event_ns`` is the bar's (or the request's) event time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final

from tickwire._floats import is_finite
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
    OrderSubmitted,
    Side,
    SubmitOrder,
    Tick,
)
from tickwire.execution._costs import CommissionModel, SlippageModel
from tickwire.execution._orders import (
    BEFORE_ANY_BAR,
    NS_PER_DAY,
    WorkingOrder,
    bracket_legs,
    fill_price,
    order_update,
    rejection,
    stop_loss_fills_first,
    stop_reached,
    tradable,
    working_order,
)

__all__ = ["SimulatedBroker"]

_DONE_FRACTION: Final = 1e-9  # a remainder below this fraction of the order counts as filled


class SimulatedBroker:
    """Fills orders against bars under pessimistic rules (see the module docstring).

    ``account`` (cash and positions) enables the buying-power and short-selling
    checks; ``instruments`` restricts trading to a fixed list instead of "any
    instrument a bar has been seen for"; ``allow_nonpositive_prices`` admits zero and
    negative prices (off by default: such a price is almost always bad data).
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
        allow_nonpositive_prices: bool = False,
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
        self.allow_nonpositive_prices = bool(allow_nonpositive_prices)
        """Whether zero and negative prices are valid, in bars and in orders."""
        self._books: dict[str, list[WorkingOrder]] = {}  # only instruments with working orders
        self._orders: dict[str, WorkingOrder] = {}  # working orders, in submission order
        self._last_bar: dict[str, Bar] = {}
        self._last_quote: dict[str, Tick] = {}
        self._budget = math.inf  # units the volume cap still allows on the current bar
        self._reserved = 0.0
        bus.subscribe(Bar, self.on_bar, priority=priority)
        bus.subscribe(Tick, self.on_tick, priority=priority)
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
        if not tradable(bar, self.allow_nonpositive_prices):
            return
        ts = bar.ts_event_ns
        cap = self._volume_cap
        if cap is None:
            self._budget = math.inf
        else:
            volume = bar.volume
            if not (is_finite(volume) and volume >= 0.0):
                return
            self._budget = cap * volume
        self._match_book(instrument, ts, bar, bar, None)

    def on_tick(self, tick: Tick) -> None:
        """Match the orders working on ``tick.instrument`` before this quote arrived."""
        instrument = tick.instrument
        self._last_quote[instrument] = tick
        books = self._books
        if books and instrument in books:
            self._match_quote(instrument, tick)

    def _match_quote(self, instrument: str, tick: Tick) -> None:
        bid = tick.bid
        ask = tick.ask
        if not (is_finite(bid) and is_finite(ask) and bid <= ask):
            return
        if not self.allow_nonpositive_prices and not bid > 0.0:
            return
        ts = tick.ts_event_ns
        cap = self._volume_cap
        buy_budget = sell_budget = math.inf
        if cap is not None:
            if not (is_finite(tick.ask_size) and is_finite(tick.bid_size)):
                return
            buy_budget = cap * max(tick.ask_size, 0.0)
            sell_budget = cap * max(tick.bid_size, 0.0)
        # Each side of the quote as a bar of one price: the bar rules then say what fills.
        at_ask = _one_price_bar(tick, ask, tick.ask_size)
        at_bid = _one_price_bar(tick, bid, tick.bid_size)
        self._budget = buy_budget
        self._match_book(instrument, ts, at_ask, at_bid, sell_budget)

    def _match_book(
        self, instrument: str, ts: int, for_buys: Bar, for_sells: Bar, sell_budget: float | None
    ) -> None:
        """Match the working orders of ``instrument`` that arrived before ``ts``, buys
        against ``for_buys`` and sells against ``for_sells``. ``self._budget`` is what the
        volume cap allows the buys; ``sell_budget`` the sells', or None when both sides
        share the one budget (a bar's volume)."""
        separate = sell_budget is not None
        other = sell_budget if sell_budget is not None else 0.0
        failure: Exception | None = None
        # A snapshot: handlers of the events published below may add or cancel orders.
        for order in tuple(self._books[instrument]):
            if order.done or order.arrival_ns >= ts:
                continue
            buy = order.buy
            if separate and not buy:  # swap in the sells' budget for this order
                self._budget, other = other, self._budget
            try:
                self._match_one(order, for_buys if buy else for_sells, ts)
            except Exception as exc:
                self._cancel(order, ts, f"internal error: {exc!r}", None)
                failure = failure or exc
            if separate and not buy:
                self._budget, other = other, self._budget
        if failure is not None:
            raise failure

    def _match_one(self, order: WorkingOrder, bar: Bar, ts: int) -> None:
        if order.day >= 0 and ts // NS_PER_DAY > order.day:
            self._cancel(order, ts, "DAY order expired", bar)
            return
        price = fill_price(order, bar)
        if order.stop is not None and not order.triggered:
            order.triggered = stop_reached(order, bar)
        if price is not None and not stop_loss_fills_first(order, bar, ts):
            self._fill(order, bar, price)
        if order.ioc and not order.done:
            self._cancel(order, ts, "IOC remainder cancelled", bar)

    # -- order requests ------------------------------------------------------------------

    def on_order_submitted(self, event: OrderSubmitted) -> None:
        """Accept an approved order onto the book, or reject it with the reason."""
        request: Any = event.order  # checked by _admit, whatever it holds
        try:
            admitted = self._admit(request)
        except Exception as exc:
            self._reject(event, f"internal error: {exc!r}")
            raise
        if isinstance(admitted, str):
            self._reject(event, admitted)
            return
        # Booked only now, so a failure above leaves nothing behind.
        self._reserved += admitted.reserved
        self._add(admitted)
        self._bus.publish(order_update(OrderAccepted, admitted, request.ts_event_ns, "-accepted"))

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

    def _reject(self, event: OrderSubmitted, reason: str) -> None:
        # The header is the OrderSubmitted's (a copy of the request's): there is one even
        # when the request is not a SubmitOrder at all.
        self._bus.publish(rejection(event, self._newest_bar_ns(), "-rejected", reason))

    def _newest_bar_ns(self) -> int:
        """The newest bar or quote time over all instruments: found per order, not stored
        per bar."""
        newest = BEFORE_ANY_BAR
        for bar in self._last_bar.values():
            if bar.ts_event_ns > newest:
                newest = bar.ts_event_ns
        for tick in self._last_quote.values():
            if tick.ts_event_ns > newest:
                newest = tick.ts_event_ns
        return newest

    def _admit(self, request: SubmitOrder) -> WorkingOrder | str:
        """The working order for ``request``, or why it must be rejected. Changes no state."""
        order = working_order(request, self._newest_bar_ns(), self.allow_nonpositive_prices)
        if isinstance(order, str):
            return order
        instrument = order.instrument
        if order.order_id in self._orders:
            return f"duplicate order id {order.order_id!r} (still working)"
        known = self._instruments
        if known is not None and instrument not in known:
            return f"unknown instrument {instrument!r} (not in the broker's instruments)"
        if (
            known is None
            and instrument not in self._last_bar
            and instrument not in self._last_quote
        ):
            return f"unknown instrument {instrument!r} (no bar or quote seen for it yet)"
        if self._account is None:
            return order
        problem: str | None = None
        if order.buy:
            cost = self._buy_cost(order)
            problem = self._buying_power_problem(instrument, cost)
            order.reserved = cost or 0.0
        elif not self._allow_short:
            problem = self._short_problem(order)
        return order if problem is None else problem

    def _short_problem(self, order: WorkingOrder) -> str | None:
        """Why a sell would open a short (with ``allow_short=False``), or None."""
        assert self._account is not None
        held = self._account.quantity(order.instrument) - sum(
            o.remaining
            for o in self._books.get(order.instrument, ())
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

    def _buy_cost(self, order: WorkingOrder) -> float | None:
        """Cash the opening part of a buy needs at its reference price, with costs."""
        assert self._account is not None
        price = order.reference_price
        if price is None:
            price = self._last_price(order.instrument)
            if price is None:
                return None
        price = self._slipped(price, order.side)
        short = -self._account.quantity(order.instrument)
        opening = order.quantity - short if short > 0.0 else order.quantity
        if opening <= 0.0:
            return 0.0  # only buys back a short
        return opening * price + self._commission_for(opening, price, True)

    def _last_price(self, instrument: str) -> float | None:
        """What a market buy of ``instrument`` would pay now: the ask of the last quote if
        that is newer than the last bar, else the bar's close; None without a usable one."""
        bar = self._last_bar.get(instrument)
        tick = self._last_quote.get(instrument)
        if tick is not None and (bar is None or tick.ts_event_ns >= bar.ts_event_ns):
            ask = tick.ask
            usable = is_finite(ask) and (ask > 0.0 or self.allow_nonpositive_prices)
            return ask if usable else None
        if bar is None or not tradable(bar, self.allow_nonpositive_prices):
            return None
        return bar.close

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

    def _cancel(self, order: WorkingOrder, ts: int, reason: str, bar: Bar | None) -> None:
        if order.done:
            return
        self._remove(order)
        self._bus.publish(order_update(OrderCancelled, order, ts, "-cancelled", reason=reason))
        if order.filled > 0.0 and order.is_bracket:
            self._place_exits(order, ts, bar)

    # -- fills ---------------------------------------------------------------------------

    def _fill(self, order: WorkingOrder, bar: Bar, raw_price: float) -> None:
        """Fill what the volume cap allows of ``order`` at ``raw_price`` (before costs)."""
        quantity = order.remaining
        if quantity > self._budget:
            quantity = self._budget
            if quantity <= 0.0:
                return
        # Costs first: a model that fails leaves the order and the budget as they were.
        price = self._execution_price(order, raw_price)
        commission = self._commission_for(quantity, price, order.fills == 0)
        self._budget -= quantity
        complete = self._book_fill(order, quantity, price)
        cancelled_leg = self._shrink_sibling(order, quantity)
        ts = bar.ts_event_ns
        self._publish_fill(order, ts, quantity, price, commission, complete)
        if cancelled_leg is not None:
            reason = f"OCO: {order.order_id} filled"
            self._bus.publish(
                order_update(OrderCancelled, cancelled_leg, ts, "-cancelled", reason=reason)
            )
        if complete and order.is_bracket:
            self._place_exits(order, ts, bar)

    def _execution_price(self, order: WorkingOrder, raw_price: float) -> float:
        """``raw_price`` after slippage, a limit order clamped to its limit."""
        if self._slippage is None:
            return raw_price  # a bar or order price that passed the checks, never moved
        price = self._slipped(raw_price, order.side)
        limit = order.limit
        if limit is None:
            return price
        return min(price, limit) if order.buy else max(price, limit)

    def _slipped(self, price: float, side: Side) -> float:
        """``price`` moved by the slippage model, which must give a valid price."""
        slippage = self._slippage
        if slippage is None:
            return price
        moved = slippage(price, side)
        if not (is_finite(moved) and (moved > 0.0 or self.allow_nonpositive_prices)):
            raise ValueError(f"slippage model {slippage!r} made {price!r} into {moved!r}")
        return moved

    def _commission_for(self, quantity: float, price: float, first: bool) -> float:
        """The commission model's charge, which must be finite and not negative."""
        model = self._commission
        if model is None:
            return 0.0
        commission = model(quantity, price, first)
        if not (is_finite(commission) and commission >= 0.0):
            raise ValueError(f"commission model {model!r} charged {commission!r}")
        return commission

    def _book_fill(self, order: WorkingOrder, quantity: float, price: float) -> bool:
        """Record the execution on ``order``; True when that completes it."""
        if order.reserved:
            released = order.reserved * quantity / order.remaining
            order.reserved -= released
            self._reserved -= released
        order.fills += 1
        order.filled += quantity
        order.notional += quantity * price
        order.remaining -= quantity
        if order.remaining > order.quantity * _DONE_FRACTION:
            return False
        order.remaining = 0.0
        self._remove(order)
        return True

    def _shrink_sibling(self, order: WorkingOrder, quantity: float) -> WorkingOrder | None:
        """Reduce the other leg by the filled quantity: the position it protects shrank.
        Returns the leg if that finished it (the caller announces the cancel)."""
        sibling = order.sibling
        if sibling is None or sibling.done:
            return None
        sibling.remaining -= quantity
        if sibling.remaining > sibling.quantity * _DONE_FRACTION:
            return None
        self._remove(sibling)
        return sibling

    def _publish_fill(
        self,
        order: WorkingOrder,
        ts: int,
        quantity: float,
        price: float,
        commission: float,
        complete: bool,
    ) -> None:
        publish = self._bus.publish
        publish(
            Fill(
                ts_event_ns=ts,
                order_id=order.order_id,
                instrument=order.instrument,
                side=order.side,
                quantity=quantity,
                price=price,
                commission=commission,
                signal_id=order.signal_id,
                strategy_name=order.strategy_name,
                id=f"{order.order_id}-{order.fills}",
            )
        )
        average = order.notional / order.filled
        if complete:
            publish(
                order_update(
                    OrderFilled,
                    order,
                    ts,
                    "-filled",
                    filled_quantity=order.filled,
                    avg_fill_price=average,
                )
            )
        else:
            publish(
                order_update(
                    OrderPartiallyFilled,
                    order,
                    ts,
                    f"-partial-{order.fills}",
                    filled_quantity=order.filled,
                    remaining_quantity=order.remaining,
                    avg_fill_price=average,
                )
            )

    def _place_exits(self, entry: WorkingOrder, ts: int, bar: Bar | None) -> None:
        """Place the bracket's exit legs for the filled quantity, one cancelling the other."""
        legs = bracket_legs(entry, ts)
        for leg in legs:
            self._add(leg)
        for leg in legs:
            self._bus.publish(order_update(OrderAccepted, leg, ts, "-accepted"))
        stop_leg = legs[0] if entry.stop_loss is not None else None
        if bar is None or stop_leg is None or stop_leg.done:
            return
        # Worst case on the entry's own bar: the rest of the bar may have hit the stop.
        price = fill_price(stop_leg, bar)
        if price is not None:
            stop_leg.triggered = True
            self._fill(stop_leg, bar, price)


def _one_price_bar(tick: Tick, price: float, size: float) -> Bar:
    return Bar(
        ts_event_ns=tick.ts_event_ns,
        ts_created_ns=tick.ts_created_ns,
        instrument=tick.instrument,
        open=price,
        high=price,
        low=price,
        close=price,
        volume=size,
    )
