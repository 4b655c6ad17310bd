# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Working-order state, the checks an order request must pass, and the pure price rules.

Kept apart from the broker so that the fill rules read as a few small functions; see
``docs/fill_rules.md`` for the same rules as a table. This is the one place where the
compiled execution code compares enum members: a request is checked once
(:func:`order_problem`) and its enums become booleans on the :class:`WorkingOrder`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import msgspec

from tickwire._floats import is_finite
from tickwire.events import (
    Bar,
    OrderRejected,
    OrderType,
    OrderUpdate,
    Side,
    SubmitOrder,
    TimeInForce,
)

__all__ = [
    "BEFORE_ANY_BAR",
    "NS_PER_DAY",
    "WorkingOrder",
    "bracket_legs",
    "fill_price",
    "order_problem",
    "order_update",
    "rejection",
    "signed_quantity",
    "stop_loss_fills_first",
    "stop_reached",
    "tradable",
    "working_order",
]

# Enum members looked up once: in compiled code ``Side.BUY`` goes through the enum
# metaclass on every use, a ``Final`` is a C static.
_MARKET: Final = OrderType.MARKET
_LIMIT: Final = OrderType.LIMIT
_STOP: Final = OrderType.STOP
_STOP_LIMIT: Final = OrderType.STOP_LIMIT
_BUY: Final = Side.BUY
_SELL: Final = Side.SELL
_GTC: Final = TimeInForce.GTC
_IOC: Final = TimeInForce.IOC
_DAY: Final = TimeInForce.DAY
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
NS_PER_DAY: Final = 86_400 * 1_000_000_000
BEFORE_ANY_BAR: Final = _INT64_MIN
"""The arrival time of an order that came before any bar: every bar is eligible."""

U = TypeVar("U", bound=OrderUpdate)


def _field(name: str) -> int:
    return SubmitOrder.__struct_fields__.index(name)


# A request is read with one ``astuple`` call: compiled code reads a struct field through
# the generic attribute lookup (about 150 machine instructions each), and a check reads
# eleven. The positions come from the struct's own field list, so they follow any change.
# ``Final`` names are C statics; a plain module name is a dict lookup on every use.
_TS: Final = _field("ts_event_ns")
_ORDER_ID: Final = _field("order_id")
_INSTRUMENT: Final = _field("instrument")
_STRATEGY_NAME: Final = _field("strategy_name")
_SIGNAL_ID: Final = _field("signal_id")
_SIDE: Final = _field("side")
_QUANTITY: Final = _field("quantity")
_ORDER_TYPE: Final = _field("order_type")
_TIME_IN_FORCE: Final = _field("time_in_force")
_LIMIT_PRICE: Final = _field("limit_price")
_STOP_PRICE: Final = _field("stop_price")
_TAKE_PROFIT: Final = _field("take_profit")
_STOP_LOSS: Final = _field("stop_loss")
_astuple: Final = msgspec.structs.astuple
_SUBMIT_ORDER: Final = SubmitOrder
_SHORT_INT: Final = 2**62 - 1
"""Compiled code compares ints up to this size inline; the int64 bounds are beyond it."""


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
        """The limit price of a limit or stop-limit order, else None."""
        self.stop = stop
        """The stop price of a stop or stop-limit order, else None."""
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
    def _from_fields(fields: tuple[Any, ...], arrival_ns: int) -> WorkingOrder:
        """A new working order from the fields of a request that passed the checks: its
        numbers as floats (they may be ints), prices only where its
        order type uses them."""
        kind: OrderType = fields[_ORDER_TYPE]
        day_ts: int = fields[_TS] if arrival_ns == BEFORE_ANY_BAR else arrival_ns
        # Named, not ``cls``: compiled code calls a known class's constructor directly,
        # instead of matching fifteen keywords at run time.
        return WorkingOrder(
            order_id=fields[_ORDER_ID],
            instrument=fields[_INSTRUMENT],
            side=fields[_SIDE],
            quantity=float(fields[_QUANTITY]),
            kind=kind,
            limit=_price(fields[_LIMIT_PRICE]) if kind is _LIMIT or kind is _STOP_LIMIT else None,
            stop=_price(fields[_STOP_PRICE]) if kind is _STOP or kind is _STOP_LIMIT else None,
            time_in_force=fields[_TIME_IN_FORCE],
            arrival_ns=arrival_ns,
            day=day_ts // NS_PER_DAY,
            signal_id=fields[_SIGNAL_ID],
            strategy_name=fields[_STRATEGY_NAME],
            take_profit=_price(fields[_TAKE_PROFIT]),
            stop_loss=_price(fields[_STOP_LOSS]),
        )

    @property
    def is_bracket(self) -> bool:
        """Whether exit legs are placed once this order has filled."""
        return self.take_profit is not None or self.stop_loss is not None

    @property
    def reference_price(self) -> float | None:
        """The price a buy is costed at on arrival: its limit, else its stop; None for a
        market order (the caller uses the last close)."""
        return self.limit if self.limit is not None else self.stop


def _price(value: Any) -> float | None:
    return None if value is None else float(value)


# -- checking a request ------------------------------------------------------------------


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a number the event rules accept (an int or a
    float, not a bool) and a float can hold it, else None."""
    if isinstance(value, float):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond the float range, such as 10**400
        return None


def _valid_price(value: Any, allow_nonpositive: bool) -> bool:
    price = _number(value)
    return price is not None and is_finite(price) and (allow_nonpositive or price > 0.0)


def _is_name(value: Any) -> bool:
    """A string that is not blank: what the event rules call a name."""
    return isinstance(value, str) and value.strip() != ""


def _is_int64(value: Any) -> bool:
    if type(value) is not int:
        return False
    number: int = value
    return -_SHORT_INT <= number <= _SHORT_INT or _INT64_MIN <= number <= _INT64_MAX


def order_problem(order: SubmitOrder, allow_nonpositive_prices: bool = False) -> str | None:
    """Why ``order`` cannot be processed, or None: the one check every order request
    passes, in the risk manager and in the broker.

    msgspec does not check types when a struct is built, so any field may hold anything;
    nothing downstream may fail on it. Prices must be finite and, unless
    ``allow_nonpositive_prices``, above 0.
    """
    if not isinstance(order, _SUBMIT_ORDER):
        return f"expected a SubmitOrder, got {order!r}"
    return _problem(_astuple(order), allow_nonpositive_prices)


def working_order(
    order: SubmitOrder, arrival_ns: int, allow_nonpositive_prices: bool = False
) -> WorkingOrder | str:
    """The working order for a request that arrives after the bar stamped ``arrival_ns``
    (:data:`BEFORE_ANY_BAR`: no bar yet), or why it cannot be processed
    (:func:`order_problem`)."""
    if not isinstance(order, _SUBMIT_ORDER):
        return f"expected a SubmitOrder, got {order!r}"
    fields: tuple[Any, ...] = _astuple(order)
    problem = _problem(fields, allow_nonpositive_prices)
    return problem if problem is not None else WorkingOrder._from_fields(fields, arrival_ns)


def _problem(fields: tuple[Any, ...], allow_nonpositive_prices: bool) -> str | None:
    # The values are untyped: compiled code would check each against its annotation
    # on access and raise before the reason could name it.
    ts = fields[_TS]
    if not _is_int64(ts):
        return f"ts_event_ns must be an int64 nanosecond time, got {ts!r}"
    order_id = fields[_ORDER_ID]
    if not _is_name(order_id):
        return f"order_id must be a non-empty string, got {order_id!r}"
    instrument = fields[_INSTRUMENT]
    if not _is_name(instrument):
        return f"instrument must be a non-empty string, got {instrument!r}"
    if type(fields[_STRATEGY_NAME]) is not str:
        return f"strategy_name must be a string, got {fields[_STRATEGY_NAME]!r}"
    signal_id = fields[_SIGNAL_ID]
    if signal_id is not None and not _is_name(signal_id):
        return f"signal_id must be None or a non-empty string, got {signal_id!r}"
    side = fields[_SIDE]
    if side is not _BUY and side is not _SELL:
        # A plain "BUY" string compares equal to Side.BUY but is not one: every later
        # test is by identity.
        return f"side must be Side.BUY or Side.SELL, got {side!r}"
    quantity = _number(fields[_QUANTITY])
    if quantity is None or not (is_finite(quantity) and quantity > 0.0):
        return f"quantity must be a finite number above 0, got {fields[_QUANTITY]!r}"
    kind = fields[_ORDER_TYPE]
    if kind is not _MARKET and kind is not _LIMIT and kind is not _STOP and kind is not _STOP_LIMIT:
        return f"order_type must be an OrderType member, got {kind!r}"
    tif = fields[_TIME_IN_FORCE]
    if tif is not _GTC and tif is not _DAY and tif is not _IOC:
        return f"time_in_force must be a TimeInForce member, got {tif!r}"
    allow = allow_nonpositive_prices
    bound = "" if allow else " above 0"
    limit = fields[_LIMIT_PRICE]
    needs_limit = kind is _LIMIT or kind is _STOP_LIMIT
    if (needs_limit or limit is not None) and not _valid_price(limit, allow):
        return _price_problem(kind, "limit_price", limit, needs_limit, bound)
    stop = fields[_STOP_PRICE]
    needs_stop = kind is _STOP or kind is _STOP_LIMIT
    if (needs_stop or stop is not None) and not _valid_price(stop, allow):
        return _price_problem(kind, "stop_price", stop, needs_stop, bound)
    tp = fields[_TAKE_PROFIT]
    sl = fields[_STOP_LOSS]
    if tp is None and sl is None:
        return None
    return _bracket_problem(side, tp, sl, allow)


def signed_quantity(order: SubmitOrder) -> float:
    """The quantity of a request :func:`order_problem` passed, as a float, negative for
    a sell."""
    fields: Any = order  # an int or a numpy number is converted here
    quantity = float(fields.quantity)
    return quantity if order.side is _BUY else -quantity


def _price_problem(kind: OrderType, name: str, price: Any, needed: bool, bound: str) -> str:
    """The reason for a bad ``limit_price`` or ``stop_price`` (``needed`` by ``kind``)."""
    if needed:
        return f"{kind.value} order needs a finite {name}{bound}, got {price!r}"
    return f"{name} must be None or a finite price{bound}, got {price!r}"  # given, unused


def _bracket_problem(side: Side, tp: Any, sl: Any, allow_nonpositive: bool) -> str | None:
    for name, value in (("take_profit", tp), ("stop_loss", sl)):
        if value is not None and not _valid_price(value, allow_nonpositive):
            bound = "" if allow_nonpositive else " above 0"
            return f"{name} must be a finite price{bound}, got {value!r}"
    if tp is not None and sl is not None:
        if side is _BUY and not sl < tp:
            return f"bracket of a buy needs stop_loss < take_profit, got {sl!r} and {tp!r}"
        if side is _SELL and not sl > tp:
            return f"bracket of a sell needs stop_loss > take_profit, got {sl!r} and {tp!r}"
    return None


# -- the events about an order -------------------------------------------------------------


class _Header:
    """The header fields of a request that may hold anything, made safe to publish."""

    __slots__ = ("instrument", "order_id", "signal_id")

    def __init__(self, order_id: str, instrument: str, signal_id: str | None) -> None:
        self.order_id = order_id
        self.instrument = instrument
        self.signal_id = signal_id


def order_update(
    kind: type[U],
    about: WorkingOrder | SubmitOrder | _Header,
    ts: int,
    suffix: str,
    /,
    *,
    reason: str | None = None,
    filled_quantity: float = 0.0,
    remaining_quantity: float | None = None,
    avg_fill_price: float | None = None,
    order: SubmitOrder | None = None,
) -> U:
    """An order lifecycle event of ``kind`` about a working order or a checked request,
    at event time ``ts``, with the deterministic id ``order_id + suffix`` (``suffix``
    such as ``"-accepted"``): the one place the header of every order update is
    written. The keywords are the fields particular to ``kind``."""
    make: Callable[..., U] = kind  # the keywords are right for ``kind``, not for every U
    order_id = about.order_id
    instrument = about.instrument
    signal_id = about.signal_id
    event_id = order_id + suffix
    # One call per set of fields: a call with fixed keywords is a vectorcall, where
    # ``**fields`` would build and unpack a dict for every event (about 2,000 machine
    # instructions each, a few percent of a backtest).
    if reason is not None:  # rejected, cancelled
        return make(
            ts_event_ns=ts,
            order_id=order_id,
            instrument=instrument,
            signal_id=signal_id,
            id=event_id,
            reason=reason,
        )
    if remaining_quantity is not None:  # partially filled
        return make(
            ts_event_ns=ts,
            order_id=order_id,
            instrument=instrument,
            signal_id=signal_id,
            id=event_id,
            filled_quantity=filled_quantity,
            remaining_quantity=remaining_quantity,
            avg_fill_price=avg_fill_price,
        )
    if avg_fill_price is not None:  # filled
        return make(
            ts_event_ns=ts,
            order_id=order_id,
            instrument=instrument,
            signal_id=signal_id,
            id=event_id,
            filled_quantity=filled_quantity,
            avg_fill_price=avg_fill_price,
        )
    if order is not None:  # submitted
        return make(
            ts_event_ns=ts,
            order_id=order_id,
            instrument=instrument,
            signal_id=signal_id,
            id=event_id,
            order=order,
        )
    return make(  # accepted
        ts_event_ns=ts, order_id=order_id, instrument=instrument, signal_id=signal_id, id=event_id
    )


def rejection(request: Any, now: int, suffix: str, reason: str) -> OrderRejected:
    """The OrderRejected for a request of any shape, with the id ``order_id + suffix``.

    Header fields that break the event rules would break whoever reads the event (and
    the codec refuses them), so they are replaced: ids and the instrument that are not
    names by their repr, a time that is not an int64 by ``now``. The reason quotes the
    original values.
    """
    ts = request.ts_event_ns
    if not _is_int64(ts):
        ts = now
    signal_id = request.signal_id
    header = _Header(
        _as_name(request.order_id),
        _as_name(request.instrument),
        None if signal_id is None else _as_name(signal_id),
    )
    return order_update(OrderRejected, header, ts, suffix, reason=reason)


def _as_name(value: Any) -> str:
    """``value`` if it is a name (a string not blank), else its repr (never blank)."""
    return value if type(value) is str and value.strip() else repr(value)


def bracket_legs(entry: WorkingOrder, ts: int) -> list[WorkingOrder]:
    """The exit legs of a filled bracket entry for its filled quantity: a stop-loss stop
    ``{order_id}-sl`` first, then a take-profit limit ``{order_id}-tp``, one cancelling
    the other."""
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
                time_in_force=_GTC,
                arrival_ns=ts,
                day=-1,
                signal_id=entry.signal_id,
                strategy_name=entry.strategy_name,
                parent=entry.order_id,
            )
        )
    if len(legs) == 2:
        legs[0].sibling, legs[1].sibling = legs[1], legs[0]
    return legs


# -- price rules -------------------------------------------------------------------------


def tradable(bar: Bar, allow_nonpositive: bool) -> bool:
    """Whether orders may fill against ``bar``: the price rules of
    ``tickwire.events.market_data_problem`` (finite prices, ``low <= open, close <=
    high``, above 0 unless allowed), compiled, for bars that did not come through a
    checked edge. (The broker checks the volume where it uses it, under a volume cap.)"""
    low = bar.low
    high = bar.high
    open_ = bar.open
    close = bar.close
    return (
        is_finite(low)
        and is_finite(high)
        and low <= open_ <= high
        and low <= close <= high
        and (allow_nonpositive or low > 0.0)
    )


def _limit_fill(buy: bool, limit: float, bar: Bar) -> float | None:
    if buy:
        return (bar.open if bar.open < limit else limit) if bar.low <= limit else None
    return (bar.open if bar.open > limit else limit) if bar.high >= limit else None


def stop_reached(order: WorkingOrder, bar: Bar) -> bool:
    """Whether ``bar`` trades through the order's stop price."""
    stop = order.stop
    assert stop is not None
    return bar.high >= stop if order.buy else bar.low <= stop


def stop_loss_fills_first(order: WorkingOrder, bar: Bar, ts: int) -> bool:
    """True for a take-profit whose stop-loss leg fills on the same bar (worst case)."""
    other = order.sibling
    return (
        other is not None
        and order.kind is _LIMIT
        and not other.done
        and other.arrival_ns < ts
        and fill_price(other, bar) is not None
    )


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
