"""The signal executor: sizes each :class:`Signal` once and publishes a :class:`SubmitOrder`."""

from __future__ import annotations

import math
from collections import OrderedDict

from tickwire._types import BusLike
from tickwire.events import OrderRejected, OrderType, Signal, SubmitOrder, TimeInForce
from tickwire.execution._sizing import SignalQuantity, Sizer

__all__ = ["SignalExecutor", "order_id_for"]


def order_id_for(signal_id: str) -> str:
    """The id of the order made from signal ``signal_id`` (keeps the strategy's prefix)."""
    return f"{signal_id}-O"


class SignalExecutor:
    """Turns signals into order requests, exactly once per signal id.

    The quantity comes from ``sizer`` (default: the signal's own quantity). The order
    keeps the signal's strategy name and links back through ``signal_id``; its id is
    :func:`order_id_for` the signal id, so a replayed signal maps to the same order.
    A signal that cannot be sized becomes an :class:`OrderRejected` for that order id.
    The last ``remember`` signal ids are kept (least recently seen dropped first).
    """

    def __init__(
        self,
        bus: BusLike,
        sizer: Sizer | None = None,
        *,
        order_type: OrderType = OrderType.MARKET,
        time_in_force: TimeInForce = TimeInForce.GTC,
        remember: int = 100_000,
        priority: int = 0,
    ) -> None:
        if order_type not in (OrderType.MARKET, OrderType.LIMIT):
            raise ValueError(
                f"SignalExecutor: order_type must be MARKET or LIMIT (at the trigger price), "
                f"got {order_type!r}"
            )
        if remember < 1:
            raise ValueError(f"SignalExecutor: remember must be >= 1, got {remember!r}")
        self._bus = bus
        self._sizer: Sizer = sizer if sizer is not None else SignalQuantity()
        self._order_type = OrderType(order_type)
        self._time_in_force = TimeInForce(time_in_force)
        self._remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.duplicates = 0
        """How many signals were dropped because their id had been seen."""
        bus.subscribe(Signal, self.on_signal, priority=priority)

    def on_signal(self, signal: Signal) -> None:
        """Size ``signal`` and publish its order, unless this id was already processed."""
        seen = self._seen
        if signal.id in seen:
            seen.move_to_end(signal.id)
            self.duplicates += 1
            return
        seen[signal.id] = None
        if len(seen) > self._remember:
            seen.popitem(last=False)
        order_id = order_id_for(signal.id)
        problem = self._invalid(signal)
        quantity = math.nan
        if problem is None:
            quantity = float(self._sizer(signal))
            if not (math.isfinite(quantity) and quantity > 0.0):
                problem = f"sized quantity {quantity!r} is not a finite number above 0"
        if problem is not None:
            self._bus.publish(
                OrderRejected(
                    ts_event_ns=signal.ts_event_ns,
                    order_id=order_id,
                    instrument=signal.instrument,
                    signal_id=signal.id,
                    reason=f"signal {signal.id}: {problem}",
                    id=f"{order_id}-rejected",
                )
            )
            return
        is_limit = self._order_type is OrderType.LIMIT
        self._bus.publish(
            SubmitOrder(
                ts_event_ns=signal.ts_event_ns,
                instrument=signal.instrument,
                side=signal.side,
                quantity=quantity,
                order_type=self._order_type,
                limit_price=signal.trigger_price if is_limit else None,
                time_in_force=self._time_in_force,
                strategy_name=signal.strategy_name,
                signal_id=signal.id,
                order_id=order_id,
                id=order_id,
            )
        )

    def _invalid(self, signal: Signal) -> str | None:
        """Why ``signal`` cannot become an order, or None."""
        if not signal.instrument:
            return "instrument is empty"
        price = signal.trigger_price
        if self._order_type is OrderType.LIMIT and not (math.isfinite(price) and price > 0.0):
            return f"trigger_price {price!r} is not a valid limit price"
        return None
