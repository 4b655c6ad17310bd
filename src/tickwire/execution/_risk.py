# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Pre-trade risk checks: the one router from order requests to the broker.

Every :class:`SubmitOrder` (from strategies or the signal executor) is checked here;
an approved order is published as :class:`OrderSubmitted` for the broker, a denied one
as :class:`OrderRejected` whose reason starts with ``"risk:"``. Checks, in order:

0. the order can be processed at all (``order_problem``, the broker's own check: field
   types, enum members, finite numbers; prices above 0 unless
   ``allow_nonpositive_prices``);
1. kill switch (:meth:`RiskManager.halt` or a :class:`KillSwitch` event);
2. duplicate order id (an order with that id is still open);
3. ``max_order_quantity``: the order's quantity;
4. ``max_notional``: quantity times the limit price, else the stop price, else the last
   bar close (an order with no known price is denied);
5. ``max_position``: ``|position + open orders + this order|`` per instrument, unless
   the order reduces that exposure;
6. ``max_open_orders``: orders approved and not yet filled, cancelled or rejected
   (bracket children count once the broker accepts them);
7. ``max_orders_per_window``: approvals within the last ``rate_window_ns`` of event time;
8. the circuit breaker (``breaker_threshold`` consecutive broker rejections).

Every limit is off when None. Time is event time (the newest ``ts_event_ns`` seen)
unless a ``clock`` is given, so backtests are deterministic. An exception while an
order is checked (an account, a clock) denies it with ``risk: internal error: ...`` and
is raised again for the bus to report.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from tickwire._types import Account, BusLike
from tickwire.events import (
    Bar,
    Fill,
    KillSwitch,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    SubmitOrder,
)
from tickwire.execution._circuit_breaker import BreakerState, CircuitBreaker
from tickwire.execution._orders import order_problem, order_update, rejection, signed_quantity

__all__ = ["RiskManager"]

_PRICE_PRIORITY: Final = 1_000_000
"""Bars reach the price tracker before any strategy, so checks use the current close."""
_DENIAL: Final = "-risk-rejected"
"""The id suffix of this manager's rejections: ``{order_id}-risk-rejected``."""


def _limit(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    if not (value > 0.0 and not math.isnan(value)):
        raise ValueError(f"RiskManager: {name} must be above 0 or None, got {value!r}")
    return value


class _Open:
    """An approved order still working: its instrument and signed unfilled quantity."""

    __slots__ = ("instrument", "remaining")

    def __init__(self, instrument: str, remaining: float) -> None:
        self.instrument = instrument
        self.remaining = remaining


class RiskManager:
    """Checks each order request against optional limits before the broker sees it.

    ``account`` gives positions (needed by ``max_position``). See the module docstring
    for the checks and their order.
    """

    def __init__(
        self,
        bus: BusLike,
        account: Account | None = None,
        *,
        max_order_quantity: float | None = None,
        max_notional: float | None = None,
        max_position: float | None = None,
        max_open_orders: int | None = None,
        max_orders_per_window: int | None = None,
        rate_window_ns: int = 1_000_000_000,
        breaker_threshold: int | None = None,
        breaker_cooldown_ns: int = 60_000_000_000,
        clock: Callable[[], int] | None = None,
        priority: int = 0,
        allow_nonpositive_prices: bool = False,
    ) -> None:
        self._bus = bus
        self._account = account
        self.allow_nonpositive_prices = bool(allow_nonpositive_prices)
        """Whether orders may carry zero or negative prices (set it as on the broker)."""
        self.max_order_quantity = _limit("max_order_quantity", max_order_quantity)
        self.max_notional = _limit("max_notional", max_notional)
        self.max_position = _limit("max_position", max_position)
        if self.max_position is not None and account is None:
            raise ValueError("RiskManager: max_position needs an account to read positions")
        for name, count in (
            ("max_open_orders", max_open_orders),
            ("max_orders_per_window", max_orders_per_window),
        ):
            if count is not None and count < 1:
                raise ValueError(f"RiskManager: {name} must be >= 1 or None, got {count!r}")
        if rate_window_ns <= 0:
            raise ValueError(f"RiskManager: rate_window_ns must be > 0, got {rate_window_ns!r}")
        self.max_open_orders = max_open_orders
        self.max_orders_per_window = max_orders_per_window
        self.rate_window_ns = int(rate_window_ns)
        self._now = -(2**63)
        self.circuit_breaker: CircuitBreaker | None = None
        """The breaker guarding the broker, or None when ``breaker_threshold`` is None."""
        if breaker_threshold is not None:
            self.circuit_breaker = CircuitBreaker(
                breaker_threshold, breaker_cooldown_ns, clock=clock or self.event_time
            )
        self._halt_reason: str | None = None
        self._open: dict[str, _Open] = {}
        self._awaiting: set[str] = set()  # approved, the broker has not answered yet
        self._trial: str | None = None  # the half-open breaker's trial order
        self._recent: deque[int] = deque()
        self._last_close: dict[str, float] = {}

        bus.subscribe(SubmitOrder, self.on_submit_order, priority=priority)
        bus.subscribe(OrderAccepted, self.on_accepted, priority=priority)
        bus.subscribe(OrderRejected, self.on_rejected, priority=priority)
        bus.subscribe(OrderFilled, self.on_done, priority=priority)
        bus.subscribe(OrderCancelled, self.on_done, priority=priority)
        bus.subscribe(KillSwitch, self.on_kill_switch, priority=priority)
        if self.max_position is not None:
            bus.subscribe(Fill, self.on_fill, priority=priority)
        if self.max_notional is not None:  # the only check that needs market prices
            bus.subscribe(Bar, self.on_bar, priority=_PRICE_PRIORITY)

    # -- control -------------------------------------------------------------------------

    def halt(self, reason: str = "") -> None:
        """Engage the kill switch: every new order is denied until :meth:`resume`."""
        self._halt_reason = reason or "halted"

    def resume(self) -> None:
        """Release the kill switch."""
        self._halt_reason = None

    @property
    def halted(self) -> bool:
        """Whether the kill switch is engaged."""
        return self._halt_reason is not None

    @property
    def open_orders(self) -> int:
        """Orders approved or accepted and not yet finished."""
        return len(self._open)

    def event_time(self) -> int:
        """The newest ``ts_event_ns`` this manager has seen (its default clock)."""
        return self._now

    # -- handlers ------------------------------------------------------------------------

    def on_kill_switch(self, event: KillSwitch) -> None:
        """Engage or release the kill switch from an event."""
        self._tick(event.ts_event_ns)
        if event.engaged:
            self.halt(event.reason)
        else:
            self.resume()

    def on_bar(self, bar: Bar) -> None:
        """Remember the last close per instrument (for notional checks of market orders)."""
        self._last_close[bar.instrument] = bar.close

    def on_submit_order(self, order: SubmitOrder) -> None:
        """Approve ``order`` (publish OrderSubmitted) or deny it (publish OrderRejected)."""
        request: Any = order  # checked by order_problem, whatever it holds
        try:
            reason = order_problem(request, self.allow_nonpositive_prices)
            if reason is None:
                signed = signed_quantity(order)  # side and quantity, converted once
                ts = order.ts_event_ns
                self._tick(ts)
                reason = self._denial(order, signed) or self._breaker_denial(order)
        except Exception as exc:
            self._deny(request, f"internal error: {exc!r}")
            raise
        if reason is not None:
            self._deny(request, reason)
            return
        # Recorded only now, so a failure above leaves nothing behind.
        order_id = order.order_id
        self._open[order_id] = _Open(order.instrument, signed)
        self._awaiting.add(order_id)
        if self.max_orders_per_window is not None:
            self._recent.append(self._now)
        self._bus.publish(order_update(OrderSubmitted, order, ts, "-submitted", order=order))

    def _deny(self, request: Any, reason: str) -> None:
        self._bus.publish(rejection(request, self._now, _DENIAL, f"risk: {reason}"))

    def on_accepted(self, update: OrderAccepted) -> None:
        """Count a broker success; track orders the broker opened itself (bracket legs)."""
        self._tick(update.ts_event_ns)
        order_id = update.order_id
        if order_id not in self._open:
            self._open[order_id] = _Open(update.instrument, 0.0)
        if order_id in self._awaiting:
            self._awaiting.discard(order_id)
            self._verdict(order_id, success=True)

    def on_rejected(self, update: OrderRejected) -> None:
        """Count a broker failure for an order this manager approved."""
        order_id = update.order_id
        if order_id not in self._awaiting or update.id == order_id + _DENIAL:
            return  # our own denial, or an order that never came through here
        self._tick(update.ts_event_ns)
        self._awaiting.discard(order_id)
        self._open.pop(order_id, None)
        self._verdict(order_id, success=False)

    def on_done(self, update: OrderFilled | OrderCancelled) -> None:
        """Forget a finished order."""
        self._open.pop(update.order_id, None)
        self._awaiting.discard(update.order_id)

    def on_fill(self, fill: Fill) -> None:
        """Move filled quantity from the open-order exposure into the position."""
        entry = self._open.get(fill.order_id)
        if entry is not None and entry.remaining:
            step = fill.quantity if entry.remaining > 0 else -fill.quantity
            left = entry.remaining - step
            entry.remaining = left if left * entry.remaining > 0 else 0.0

    # -- checks --------------------------------------------------------------------------

    def _tick(self, ts: int) -> None:
        if ts > self._now:
            self._now = ts

    def _verdict(self, order_id: str, *, success: bool) -> None:
        breaker = self.circuit_breaker
        if breaker is None:
            return
        if breaker.state is BreakerState.HALF_OPEN and order_id != self._trial:
            return  # only the trial decides a half-open breaker
        self._trial = None
        if success:
            breaker.record_success()
        else:
            breaker.record_failure()

    def _breaker_denial(self, order: SubmitOrder) -> str | None:
        """Why the circuit breaker holds ``order`` back, or None (taking the half-open
        breaker's one trial slot for it)."""
        breaker = self.circuit_breaker
        if breaker is None:
            return None
        half_open_before = breaker.state is BreakerState.HALF_OPEN
        if not breaker.allow():
            return f"circuit breaker {breaker.state.value.lower()}"
        if half_open_before:
            self._trial = order.order_id
        return None

    def _denial(self, order: SubmitOrder, signed: float) -> str | None:
        """Why ``order`` (of ``signed`` quantity: negative for a sell) must not reach the
        broker, or None (breaker excluded)."""
        if self._halt_reason is not None:
            return f"kill switch engaged ({self._halt_reason})"
        if order.order_id in self._open:
            return f"duplicate order id {order.order_id!r} (still open)"
        quantity = abs(signed)
        if self.max_order_quantity is not None and quantity > self.max_order_quantity:
            return f"quantity {quantity:g} exceeds max_order_quantity {self.max_order_quantity:g}"
        if self.max_notional is not None:
            price = self._reference_price(order)
            if price is None:
                return f"no price known for {order.instrument!r} to check max_notional"
            notional = abs(quantity * price)
            if notional > self.max_notional:
                return f"notional {notional:g} exceeds max_notional {self.max_notional:g}"
        if self.max_position is not None and self._account is not None:
            instrument = order.instrument
            exposure = self._account.quantity(instrument) + sum(
                o.remaining for o in self._open.values() if o.instrument == instrument
            )
            projected = exposure + signed
            if abs(projected) > self.max_position and abs(projected) > abs(exposure):
                return (
                    f"position in {instrument!r} would reach {projected:g}, "
                    f"beyond max_position {self.max_position:g}"
                )
        if self.max_open_orders is not None and len(self._open) >= self.max_open_orders:
            return f"{len(self._open)} open orders, max_open_orders is {self.max_open_orders}"
        if self.max_orders_per_window is not None:
            recent = self._recent
            horizon = self._now - self.rate_window_ns
            while recent and recent[0] <= horizon:
                recent.popleft()
            if len(recent) >= self.max_orders_per_window:
                return (
                    f"{len(recent)} orders within {self.rate_window_ns} ns, "
                    f"max_orders_per_window is {self.max_orders_per_window}"
                )
        return None

    def _reference_price(self, order: SubmitOrder) -> float | None:
        """The limit price, else the stop price, else the last close (for notional)."""
        request: Any = order  # prices may be ints or numpy scalars
        for price in (request.limit_price, request.stop_price):
            if price is not None:
                return float(price)
        return self._last_close.get(order.instrument)
