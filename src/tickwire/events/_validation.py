"""The rules event values must obey, checked at every edge where events enter tickwire.

Edges are the file readers, the event decoders, live feed parsers and ``Backtest`` given
events; events built inside tickwire from checked data are not checked again, so the
hot path pays nothing. The rules are stated once, here, so that every edge applies the
same. Market data (:func:`market_data_problem`):

- ``ts_event_ns`` is an int within int64; ``instrument`` is a non-empty string;
- prices (bar open/high/low/close, bid and ask, a trade's price) are finite and above 0;
- volumes and sizes are finite and not negative (a trade's size is above 0);
- a bar has ``low <= open, close <= high``; a quote has ``bid <= ask``.

Every event (:func:`event_problem`), besides the market-data rules for market data:

- ``ts_event_ns`` and ``ts_created_ns`` are ints within int64;
- instrument names and ids (``id``, ``order_id``, a ``signal_id`` that is given) are
  non-empty strings; a ``CancelOrder`` may leave ``instrument`` empty;
- order quantities and fill quantities are finite and above 0; a signal's quantity
  (0: let the sizer decide), filled and remaining quantities are finite and not negative;
- limit, stop, take-profit and stop-loss prices, when given, and fill prices are finite
  and above 0; average prices are finite and not negative (0 before any fill);
- commissions, positions and realized P&L are finite; a signal's trigger price is finite
  and its confidence within [0, 1]; a heartbeat's sequence is an int64 not below 0;
- the event in ``OrderSubmitted.order`` obeys its own rules; the event an ``ErrorEvent``
  carries is the one that failed, kept as evidence (often it failed for its values), so
  it is held, like any other ``original_event`` and a generic ``Event``'s ``data``, only
  to what both codecs carry alike: None, bools, strings, finite floats, int64 ints, lists
  and string-keyed maps, nested at most :data:`MAX_NESTING` levels deep.

Instruments that really trade at zero or negative prices (some spreads, power, a crude
future in April 2020) opt in with ``allow_nonpositive_prices=True``: every price rule
then asks only for a finite number; every other rule still applies. User event types
are held to the timestamp rules (and, when they subclass a built-in type, to its rules).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import msgspec

from tickwire.events._base import EventBase
from tickwire.events._generic_event import Event
from tickwire.events.feeds import FeedGap, FeedStatus, WebSocketMessage
from tickwire.events.market import Bar, Tick, Trade
from tickwire.events.system import ErrorEvent, Heartbeat, InfoEvent, LifecycleEvent
from tickwire.events.trading import (
    CancelOrder,
    Fill,
    KillSwitch,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    PositionChanged,
    Signal,
    SubmitOrder,
)

__all__ = [
    "DECODED_OK",
    "INT64_MAX",
    "INT64_MIN",
    "MAX_NESTING",
    "event_problem",
    "market_data_problem",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_NESTING = 32
"""How deep events may nest in ``ErrorEvent.original_event``, and payloads in
``Event.data`` or a raw ``original_event``: far beyond real use, well within the
interpreter's recursion limit of the code that walks them."""

_FLOAT_MAX = sys.float_info.max

Rule = Callable[[Any, bool], str | None]
"""What is wrong with a field's value, given ``allow_nonpositive_prices``; else None."""


def _not_a_number(value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return f"expected a number, got {value!r}"
    if isinstance(value, int) and not -_FLOAT_MAX <= value <= _FLOAT_MAX:
        return f"an int of {value.bit_length()} bits is beyond what a float can hold"
    return None


def _price(value: Any, allow_nonpositive: bool) -> str | None:
    problem = _not_a_number(value)
    if problem is None and not math.isfinite(value):
        problem = f"price must be finite, got {value!r}"
    if problem is None and value <= 0.0 and not allow_nonpositive:
        problem = f"price must be above 0, got {value!r} (allow_nonpositive_prices=True accepts it)"
    return problem


def _optional_price(value: Any, allow_nonpositive: bool) -> str | None:
    return None if value is None else _price(value, allow_nonpositive)


def _average_price(value: Any, allow_nonpositive: bool) -> str | None:
    problem = _not_a_number(value)
    if problem is None and not math.isfinite(value):
        problem = f"price must be finite, got {value!r}"
    if problem is None and value < 0.0 and not allow_nonpositive:
        problem = (
            f"average price must be 0 or more, got {value!r} "
            "(allow_nonpositive_prices=True accepts it)"
        )
    return problem


def _amount(value: Any, *, positive: bool) -> str | None:
    problem = _not_a_number(value)
    if problem is None and (not math.isfinite(value) or value < 0.0 or (positive and value == 0)):
        bound = "above 0" if positive else "0 or more"
        problem = f"must be finite and {bound}, got {value!r}"
    return problem


def _size(value: Any, allow_nonpositive: bool) -> str | None:
    return _amount(value, positive=False)


def _positive_size(value: Any, allow_nonpositive: bool) -> str | None:
    return _amount(value, positive=True)


def _finite(value: Any, allow_nonpositive: bool) -> str | None:
    problem = _not_a_number(value)
    if problem is None and not math.isfinite(value):
        problem = f"must be finite, got {value!r}"
    return problem


def _unit_interval(value: Any, allow_nonpositive: bool) -> str | None:
    problem = _not_a_number(value)
    if problem is None and not 0.0 <= value <= 1.0:
        problem = f"must be within [0, 1], got {value!r}"
    return problem


def _int64(value: Any, allow_nonpositive: bool) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or not INT64_MIN <= value <= INT64_MAX:
        return f"expected an int64 nanosecond time, got {value!r}"
    return None


def _count(value: Any, allow_nonpositive: bool) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= INT64_MAX:
        return f"expected an int64 count, 0 or more, got {value!r}"
    return None


def _name(value: Any, allow_nonpositive: bool) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"expected a non-empty name, got {value!r}"
    return None


def _optional_name(value: Any, allow_nonpositive: bool) -> str | None:
    return None if value is None else _name(value, allow_nonpositive)


_EVENT_TIME: tuple[tuple[str, Rule], ...] = (("ts_event_ns", _int64),)
_CREATED: tuple[tuple[str, Rule], ...] = (("ts_created_ns", _int64),)

_MARKET_DATA: dict[type[EventBase], tuple[tuple[str, Rule], ...]] = {
    Tick: (
        *_EVENT_TIME,
        ("instrument", _name),
        ("bid", _price),
        ("ask", _price),
        ("bid_size", _size),
        ("ask_size", _size),
    ),
    Trade: (*_EVENT_TIME, ("instrument", _name), ("price", _price), ("size", _positive_size)),
    Bar: (
        *_EVENT_TIME,
        ("instrument", _name),
        ("open", _price),
        ("high", _price),
        ("low", _price),
        ("close", _price),
        ("volume", _size),
    ),
}

_ORDER_UPDATE = (
    ("order_id", _name),
    ("instrument", _name),
    ("signal_id", _optional_name),
    ("id", _name),
)

_FIELDS: dict[type[EventBase], tuple[tuple[str, Rule], ...]] = {
    **{kind: (*fields, *_CREATED) for kind, fields in _MARKET_DATA.items()},
    Signal: (
        *_EVENT_TIME,
        ("instrument", _name),
        ("trigger_price", _finite),
        ("quantity", _size),
        ("confidence", _unit_interval),
        ("id", _name),
        *_CREATED,
    ),
    SubmitOrder: (
        *_EVENT_TIME,
        ("instrument", _name),
        ("quantity", _positive_size),
        ("limit_price", _optional_price),
        ("stop_price", _optional_price),
        ("take_profit", _optional_price),
        ("stop_loss", _optional_price),
        ("signal_id", _optional_name),
        ("order_id", _name),
        ("id", _name),
        *_CREATED,
    ),
    KillSwitch: (*_EVENT_TIME, *_CREATED),
    CancelOrder: (*_EVENT_TIME, ("order_id", _name), ("id", _name), *_CREATED),
    OrderSubmitted: (*_EVENT_TIME, *_ORDER_UPDATE, *_CREATED),
    OrderAccepted: (*_EVENT_TIME, *_ORDER_UPDATE, *_CREATED),
    OrderRejected: (*_EVENT_TIME, *_ORDER_UPDATE, *_CREATED),
    OrderPartiallyFilled: (
        *_EVENT_TIME,
        *_ORDER_UPDATE,
        ("filled_quantity", _size),
        ("remaining_quantity", _size),
        ("avg_fill_price", _average_price),
        *_CREATED,
    ),
    OrderFilled: (
        *_EVENT_TIME,
        *_ORDER_UPDATE,
        ("filled_quantity", _size),
        ("avg_fill_price", _average_price),
        *_CREATED,
    ),
    OrderCancelled: (*_EVENT_TIME, *_ORDER_UPDATE, *_CREATED),
    Fill: (
        *_EVENT_TIME,
        ("order_id", _name),
        ("instrument", _name),
        ("quantity", _positive_size),
        ("price", _price),
        ("commission", _finite),
        ("signal_id", _optional_name),
        ("id", _name),
        *_CREATED,
    ),
    PositionChanged: (
        *_EVENT_TIME,
        ("instrument", _name),
        ("quantity", _finite),
        ("avg_price", _average_price),
        ("realized_pnl", _finite),
        *_CREATED,
    ),
    ErrorEvent: (*_EVENT_TIME, *_CREATED),
    InfoEvent: (*_EVENT_TIME, *_CREATED),
    LifecycleEvent: (*_EVENT_TIME, *_CREATED),
    Heartbeat: (*_EVENT_TIME, ("sequence", _count), *_CREATED),
    Event: (*_EVENT_TIME, *_CREATED),
    FeedStatus: (*_EVENT_TIME, ("attempt", _count), *_CREATED),
    WebSocketMessage: (*_EVENT_TIME, *_CREATED),
    FeedGap: (
        *_EVENT_TIME,
        ("instrument", _name),
        ("first_missing", _count),
        ("last_missing", _count),
        ("missing", _count),
        *_CREATED,
    ),
}


def _bar_relations(event: Any, allow_nonpositive: bool) -> str | None:
    low, high = event.low, event.high
    if high < low:
        return f"{type(event).__name__}.high: {high!r} is below low {low!r}"
    for name in ("open", "close"):
        value = getattr(event, name)
        if not low <= value <= high:
            return f"{type(event).__name__}.{name}: {value!r} is outside [{low!r}, {high!r}]"
    return None


def _tick_relations(event: Any, allow_nonpositive: bool) -> str | None:
    if event.ask < event.bid:
        return (
            f"{type(event).__name__}.ask: {event.ask!r} is below bid {event.bid!r} (crossed quote)"
        )
    return None


def _nested_order(event: Any, allow_nonpositive: bool) -> str | None:
    order = event.order
    if not isinstance(order, SubmitOrder):
        return f"{type(event).__name__}.order: expected a SubmitOrder, got {order!r}"
    problem = event_problem(order, allow_nonpositive_prices=allow_nonpositive)
    return None if problem is None else f"{problem} (in {type(event).__name__}.order)"


def _original_event(event: Any, allow_nonpositive: bool) -> str | None:
    original = event.original_event
    where = f"{type(event).__name__}.original_event"
    if isinstance(original, EventBase):
        # The event a component failed on, kept as evidence: often it failed precisely
        # because its values break the rules (a bar with high below low), so it is held
        # only to what both codecs carry alike, and the error travels in either format.
        try:
            original = msgspec.to_builtins(original)
        except (TypeError, ValueError) as exc:
            return f"{where}: {exc}"
    return _payload_problem(where, original)


def _generic_data(event: Any, allow_nonpositive: bool) -> str | None:
    return _payload_problem(f"{type(event).__name__}.data", event.data)


_RELATIONS: dict[type[EventBase], Rule] = {
    Bar: _bar_relations,
    Tick: _tick_relations,
    OrderSubmitted: _nested_order,
    ErrorEvent: _original_event,
    Event: _generic_data,
}


def _payload_problem(where: str, value: Any) -> str | None:
    """Why ``value`` (found at ``where``) is not data both codecs carry alike, or None."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if item is None or isinstance(item, (str, bool)):
            continue
        if isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                return f"{path}: {item!r} is outside int64"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"{path}: must be finite, got {item!r}"
        elif depth >= MAX_NESTING:
            return f"{path}: nested more than {MAX_NESTING} levels deep"
        elif isinstance(item, (list, tuple)):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item))
        elif isinstance(item, dict):
            for key, v in item.items():
                if not isinstance(key, str):
                    return f"{path}: map keys must be strings, got {key!r}"
                stack.append((v, f"{path}[{key!r}]", depth + 1))
        else:
            return (
                f"{path}: a {type(item).__name__} is not carried alike by msgpack and JSON "
                "(use None, bools, strings, numbers, lists and string-keyed maps)"
            )
    return None


def _fields_problem(
    event: Any, fields: tuple[tuple[str, Rule], ...], allow_nonpositive: bool
) -> str | None:
    for name, rule in fields:
        problem = rule(getattr(event, name), allow_nonpositive)
        if problem is not None:
            return f"{type(event).__name__}.{name}: {problem}"
    return None


def _builtin_base(kind: type[Any]) -> type[EventBase] | None:
    """The built-in type whose rules ``kind`` obeys: itself, or the nearest built-in base."""
    for base in kind.__mro__:
        if base in _FIELDS:
            return base
    return None


def market_data_problem(event: Any, *, allow_nonpositive_prices: bool = False) -> str | None:
    """Why ``event`` (a Bar, Tick or Trade) must not be used, naming the field; else None.

    Other events are not market data and get None.
    """
    kind = _builtin_base(type(event))
    if kind is None or kind not in _MARKET_DATA:
        return None
    problem = _fields_problem(event, _MARKET_DATA[kind], allow_nonpositive_prices)
    relations = _RELATIONS.get(kind)
    if problem is None and relations is not None:
        problem = relations(event, allow_nonpositive_prices)
    return problem


def event_problem(event: Any, *, allow_nonpositive_prices: bool = False) -> str | None:
    """Why ``event`` must not be used, as ``Type.field: what is wrong``; else None.

    Built-in types are held to all the rules above; other events to the timestamp
    rules. Not an event at all: the problem says so.
    """
    if not isinstance(event, EventBase):
        return f"expected an event, got {event!r}"
    kind = _builtin_base(type(event))
    if kind is None:
        return _fields_problem(event, (*_EVENT_TIME, *_CREATED), allow_nonpositive_prices)
    problem = _fields_problem(event, _FIELDS[kind], allow_nonpositive_prices)
    relations = _RELATIONS.get(kind)
    if problem is None and relations is not None:
        problem = relations(event, allow_nonpositive_prices)
    return problem


# Decoded market data takes a shortcut: one expression per type that accepts exactly the
# values the rules accept, given the field types a typed decoder guarantees (floats, ints
# and strings). NaN fails every comparison, so any doubt falls through to the full rules,
# which name the field. tests/events/test_validation.py pins that both agree.


def _decoded_bar_ok(bar: Any, allow_nonpositive: bool) -> bool:
    low = bar.low
    high = bar.high
    return bool(
        (low > 0.0 or (allow_nonpositive and low >= -_FLOAT_MAX))
        and low <= bar.open <= high
        and low <= bar.close <= high
        and high <= _FLOAT_MAX
        and 0.0 <= bar.volume <= _FLOAT_MAX
        and INT64_MIN <= bar.ts_event_ns <= INT64_MAX
        and INT64_MIN <= bar.ts_created_ns <= INT64_MAX
        and bar.instrument.strip()
    )


def _decoded_tick_ok(tick: Any, allow_nonpositive: bool) -> bool:
    bid = tick.bid
    return bool(
        (bid > 0.0 or (allow_nonpositive and bid >= -_FLOAT_MAX))
        and bid <= tick.ask <= _FLOAT_MAX
        and 0.0 <= tick.bid_size <= _FLOAT_MAX
        and 0.0 <= tick.ask_size <= _FLOAT_MAX
        and INT64_MIN <= tick.ts_event_ns <= INT64_MAX
        and INT64_MIN <= tick.ts_created_ns <= INT64_MAX
        and tick.instrument.strip()
    )


def _decoded_trade_ok(trade: Any, allow_nonpositive: bool) -> bool:
    price = trade.price
    return bool(
        (price > 0.0 or (allow_nonpositive and price >= -_FLOAT_MAX))
        and price <= _FLOAT_MAX
        and 0.0 < trade.size <= _FLOAT_MAX
        and INT64_MIN <= trade.ts_event_ns <= INT64_MAX
        and INT64_MIN <= trade.ts_created_ns <= INT64_MAX
        and trade.instrument.strip()
    )


DECODED_OK: dict[type[EventBase], Callable[[Any, bool], bool]] = {
    Bar: _decoded_bar_ok,
    Tick: _decoded_tick_ok,
    Trade: _decoded_trade_ok,
}
"""Per market-data type, a check that is True exactly when a decoded event of the type
obeys every rule of :func:`event_problem` (which a decoder calls when it is False)."""
