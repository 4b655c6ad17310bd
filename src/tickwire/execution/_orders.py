# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Working-order state and the pure price rules of the simulated broker.

Kept apart from the broker so that the fill rules read as a few small functions; see
``docs/fill_rules.md`` for the same rules as a table.
"""

from __future__ import annotations

from typing import Final

from tickwire._floats import is_finite
from tickwire.events import Bar, OrderType, Side, SubmitOrder, TimeInForce

__all__ = ["WorkingOrder", "fill_price", "order_problem", "stop_reached"]

# Enum members looked up once: reading ``Side.BUY`` goes through the enum metaclass and
# costs as much as a dict insert on every use.
_MARKET: Final = OrderType.MARKET
_LIMIT: Final = OrderType.LIMIT
_STOP: Final = OrderType.STOP
_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_IOC: Final = TimeInForce.IOC
_DAY: Final = TimeInForce.DAY


class WorkingOrder:
    """The broker's mutable view of one order on its book (never published)."""

    __slots__ = (
        "arrival_ns",
        "buy",
        "day",
        "done",
        "filled",
        "fills",
        "instrument",
        "ioc",
        "kind",
        "limit",
        "notional",
        "order_id",
        "parent",
        "quantity",
        "remaining",
        "reserved",
        "sibling",
        "side",
        "signal_id",
        "stop",
        "stop_loss",
        "strategy_name",
        "take_profit",
        "triggered",
    )

    def __init__(
        self,
        *,
        order_id: str,
        instrument: str,
        side: Side,
        quantity: float,
        kind: OrderType,
        limit: float | None,
        stop: float | None,
        time_in_force: TimeInForce,
        arrival_ns: int,
        day: int,
        signal_id: str | None,
        strategy_name: str,
        take_profit: float | None = None,
        stop_loss: float | None = None,
        parent: str | None = None,
    ) -> None:
        self.order_id = order_id
        self.instrument = instrument
        self.side = side
        self.buy = side is _BUY
        self.quantity = quantity
        self.remaining = quantity
        self.kind = kind
        self.limit = limit
        self.stop = stop
        self.ioc = time_in_force is _IOC
        self.day = day if time_in_force is _DAY else -1
        """The UTC day number (ns // day) of a DAY order; -1 for other time in force."""
        self.arrival_ns = arrival_ns
        """Matched only against bars with a later ``ts_event_ns``."""
        self.signal_id = signal_id
        self.strategy_name = strategy_name
        self.take_profit = take_profit
        self.stop_loss = stop_loss
        self.parent = parent
        self.sibling: WorkingOrder | None = None
        """The other leg of a bracket's one-cancels-other pair."""
        self.triggered = False
        self.done = False
        self.filled = 0.0
        self.notional = 0.0
        self.fills = 0
        self.reserved = 0.0
        """Cash set aside for the unfilled part of a buy (buying-power check)."""

    @staticmethod
    def from_request(order: SubmitOrder, arrival_ns: int, day: int) -> WorkingOrder:
        """A new working order for an accepted request."""
        # Named, not ``cls``: compiled code calls a known class's constructor directly,
        # instead of matching fifteen keywords at run time.
        return WorkingOrder(
            order_id=order.order_id,
            instrument=order.instrument,
            side=order.side,
            quantity=float(order.quantity),
            kind=order.order_type,
            limit=order.limit_price,
            stop=order.stop_price,
            time_in_force=order.time_in_force,
            arrival_ns=arrival_ns,
            day=day,
            signal_id=order.signal_id,
            strategy_name=order.strategy_name,
            take_profit=order.take_profit,
            stop_loss=order.stop_loss,
        )

    @property
    def is_bracket(self) -> bool:
        """Whether exit legs are placed once this order has filled."""
        return self.take_profit is not None or self.stop_loss is not None


def _valid_price(value: float | None) -> bool:
    return value is not None and is_finite(value) and value > 0.0


def order_problem(order: SubmitOrder) -> str | None:
    """Why the broker must reject ``order`` on its own terms, or None."""
    side = order.side
    if side is not _BUY and side is not _SELL:
        # A plain "BUY" string would pass as a sell in the identity tests below, and
        # skip the buying-power check.
        return f"side must be Side.BUY or Side.SELL, got {side!r}"
    quantity = order.quantity
    if not (is_finite(quantity) and quantity > 0.0):
        return f"quantity must be a finite number above 0, got {quantity!r}"
    kind = order.order_type
    if (kind is _LIMIT or kind is _STOP_LIMIT) and not _valid_price(order.limit_price):
        return f"{kind.value} order needs a finite limit_price above 0, got {order.limit_price!r}"
    if (kind is _STOP or kind is _STOP_LIMIT) and not _valid_price(order.stop_price):
        return f"{kind.value} order needs a finite stop_price above 0, got {order.stop_price!r}"
    tp, sl = order.take_profit, order.stop_loss
    if tp is None and sl is None:
        return None
    for name, value in (("take_profit", tp), ("stop_loss", sl)):
        if value is not None and not _valid_price(value):
            return f"{name} must be a finite price above 0, got {value!r}"
    if tp is not None and sl is not None:
        if side is _BUY and not sl < tp:
            return f"bracket of a buy needs stop_loss < take_profit, got {sl!r} and {tp!r}"
        if side is _SELL and not sl > tp:
            return f"bracket of a sell needs stop_loss > take_profit, got {sl!r} and {tp!r}"
    return None


def _limit_fill(buy: bool, limit: float, bar: Bar) -> float | None:
    if buy:
        return (bar.open if bar.open < limit else limit) if bar.low <= limit else None
    return (bar.open if bar.open > limit else limit) if bar.high >= limit else None


def stop_reached(order: WorkingOrder, bar: Bar) -> bool:
    """Whether ``bar`` trades through the order's stop price."""
    stop = order.stop
    assert stop is not None
    return bar.high >= stop if order.buy else bar.low <= stop


def fill_price(order: WorkingOrder, bar: Bar) -> float | None:
    """The price ``order`` fills at on ``bar`` before slippage, or None if it does not.

    Pure: it never changes ``order`` (the caller marks stops as triggered).
    """
    kind = order.kind
    if kind is _MARKET:
        return bar.open
    buy = order.buy
    if kind is _LIMIT:
        assert order.limit is not None
        return _limit_fill(buy, order.limit, bar)
    stop = order.stop
    assert stop is not None
    if kind is _STOP:
        if order.triggered:  # triggered earlier, left over by the volume cap: now a market order
            return bar.open
        if buy:
            return (bar.open if bar.open > stop else stop) if bar.high >= stop else None
        return (bar.open if bar.open < stop else stop) if bar.low <= stop else None
    limit = order.limit
    assert limit is not None
    if order.triggered:
        return _limit_fill(buy, limit, bar)
    if not stop_reached(order, bar):
        return None
    # Triggered at the open (a gap through the stop): the whole bar came after the trigger,
    # so it works as a limit for the whole bar.
    if (bar.open >= stop) if buy else (bar.open <= stop):
        return _limit_fill(buy, limit, bar)
    # Triggered inside the bar at the stop: fill there only if the limit allows it; whether
    # the price came back to the limit after the trigger is unknown, so assume it did not.
    marketable = stop <= limit if buy else stop >= limit
    return stop if marketable else None
