"""The event vocabulary of the "Event-Driven Design" document (seed 001), built onto
tickwire's own events.

``TickEvent(...)``, ``TradingSignal(...)`` and ``OrderEvent(...)`` take the document's
field names and return a :class:`Tick`, a :class:`Signal` and an order lifecycle event
(:class:`OrderFilled`...), so that what they build dispatches, encodes, crosses
processes and reaches the executor, broker and recorder like any other event. They are
constructors, not classes: subscribe to ``Tick``, ``Signal`` or the lifecycle classes
(or ``EventType.MARKET_DATA``, ``SIGNAL``, ``ORDER_UPDATE``), and test with
``isinstance(event, Tick)``.

A ``timestamp`` becomes ``ts_event_ns``: a datetime (a naive one is read as UTC, as
everywhere in tickwire: pass ``datetime.now(UTC)``, not ``datetime.now()``, unless the
machine runs on UTC), or int nanoseconds since the epoch; None means now.
"""

from __future__ import annotations

from datetime import datetime

from tickwire.events.factories import to_ns
from tickwire.events.market import Tick
from tickwire.events.trading import (
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    OrderUpdate,
    Side,
    Signal,
    SubmitOrder,
)

__all__ = ["OrderEvent", "OrderOperation", "TickEvent", "TradingSignal"]

OrderOperation = Side
"""The document's name for the side of a trade: ``OrderOperation.BUY`` is ``Side.BUY``."""

Timestamp = datetime | int | None


def TickEvent(
    timestamp: Timestamp,
    instrument: str,
    bid_price: float,
    ask_price: float,
    bid_volume: float = 0.0,
    ask_volume: float = 0.0,
) -> Tick:
    """A :class:`Tick` from the document's fields (``bid_price`` is ``bid``,
    ``bid_volume`` is ``bid_size``); ``spread()`` works on it as in the document."""
    return Tick(
        ts_event_ns=to_ns(timestamp),
        instrument=instrument,
        bid=float(bid_price),
        ask=float(ask_price),
        bid_size=float(bid_volume),
        ask_size=float(ask_volume),
    )


def TradingSignal(
    timestamp: Timestamp,
    action: Side | str,
    instrument: str,
    trigger_price: float,
    quantity: float = 0.0,
    strategy_name: str = "",
    confidence: float = 1.0,
) -> Signal:
    """A :class:`Signal` from the document's fields (``action`` is ``side``: BUY or
    SELL, any case). ``quantity`` 0 lets the executor's sizer decide; the signal's
    ``id`` is what an :func:`OrderEvent`'s ``signal_id`` links back to."""
    return Signal(
        ts_event_ns=to_ns(timestamp),
        instrument=instrument,
        side=_side(action),
        trigger_price=float(trigger_price),
        quantity=float(quantity),
        strategy_name=strategy_name,
        confidence=float(confidence),
    )


def OrderEvent(
    order_id: str,
    signal_id: str | None,
    status: OrderStatus | str,
    filled_quantity: float = 0.0,
    fill_price: float | None = None,
    timestamp: Timestamp = None,
    *,
    instrument: str | None = None,
    remaining_quantity: float = 0.0,
    reason: str = "",
    order: SubmitOrder | None = None,
) -> OrderUpdate:
    """The order lifecycle event for ``status`` (``FILLED`` gives an
    :class:`OrderFilled` whose ``avg_fill_price`` is ``fill_price``...), which has
    ``is_fully_filled()`` as in the document.

    tickwire's order events name their instrument, which the document's ``OrderEvent``
    lacks: pass ``instrument=``. A ``SUBMITTED`` event carries the order itself
    (``order=SubmitOrder(...)``, whose instrument it takes). Raises ValueError for an
    unknown status, a fill status without a ``fill_price``, and fill values given with a
    status that has none.
    """
    status = _status(status)
    if instrument is None:
        if order is None:
            raise TypeError(
                "OrderEvent: tickwire's order events name their instrument (the seed "
                "document's OrderEvent has none): pass instrument='ES'"
            )
        instrument = order.instrument
    ts = to_ns(timestamp)
    if status is OrderStatus.FILLED or status is OrderStatus.PARTIALLY_FILLED:
        if fill_price is None:
            raise ValueError(f"OrderEvent: a {status} order event needs its fill_price")
        if status is OrderStatus.PARTIALLY_FILLED:
            return OrderPartiallyFilled(
                ts_event_ns=ts,
                order_id=order_id,
                instrument=instrument,
                signal_id=signal_id,
                filled_quantity=float(filled_quantity),
                remaining_quantity=float(remaining_quantity),
                avg_fill_price=float(fill_price),
            )
        return OrderFilled(
            ts_event_ns=ts,
            order_id=order_id,
            instrument=instrument,
            signal_id=signal_id,
            filled_quantity=float(filled_quantity),
            avg_fill_price=float(fill_price),
        )
    if fill_price is not None or filled_quantity:
        raise ValueError(
            f"OrderEvent: a {status} order event has no fill; fill_price and "
            "filled_quantity are for FILLED and PARTIALLY_FILLED"
        )
    if status is OrderStatus.SUBMITTED:
        if order is None:
            raise ValueError(
                "OrderEvent: a SUBMITTED order event carries the order it submits: "
                "pass order=SubmitOrder(...)"
            )
        return OrderSubmitted(
            ts_event_ns=ts,
            order_id=order_id,
            instrument=instrument,
            signal_id=signal_id,
            order=order,
        )
    if status is OrderStatus.ACCEPTED:
        return OrderAccepted(
            ts_event_ns=ts, order_id=order_id, instrument=instrument, signal_id=signal_id
        )
    kind = OrderRejected if status is OrderStatus.REJECTED else OrderCancelled
    return kind(
        ts_event_ns=ts, order_id=order_id, instrument=instrument, signal_id=signal_id, reason=reason
    )


def _side(action: Side | str) -> Side:
    try:
        return Side(str(action).upper())
    except ValueError:
        raise ValueError(f"TradingSignal.action: must be BUY or SELL, got {action!r}") from None


def _status(status: OrderStatus | str) -> OrderStatus:
    try:
        return OrderStatus(str(status).upper())
    except ValueError:
        names = ", ".join(OrderStatus)
        raise ValueError(f"OrderEvent.status: must be one of {names}, got {status!r}") from None
