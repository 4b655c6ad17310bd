"""The value rules of every built-in event type, restated for tests: what each field may
hold (hypothesis strategies of valid events) and values it must not hold.

Written from the rules in ``tickwire/events/_validation.py``'s docstring, not from its
code, so that a test compares two statements of them.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import msgspec
from hypothesis import strategies as st

from tickwire.events import (
    Bar,
    CancelOrder,
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    FeedGap,
    FeedStatus,
    Fill,
    Heartbeat,
    InfoEvent,
    KillSwitch,
    LifecycleEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    PositionChanged,
    Signal,
    SubmitOrder,
    Tick,
    Trade,
    WebSocketMessage,
)

__all__ = ["FIELD_KINDS", "INVALID", "NON_FINITE", "events", "kinds_of"]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

NAME = st.text(max_size=12).filter(str.strip)
TIME = st.integers(INT64_MIN, INT64_MAX)
PRICE = st.floats(min_value=0.0, exclude_min=True, allow_infinity=False)
AMOUNT = st.floats(min_value=0.0, allow_infinity=False)
FINITE = st.floats(allow_nan=False, allow_infinity=False)

VALID: dict[str, st.SearchStrategy[Any]] = {
    "time": TIME,
    "name": NAME,
    "optional name": st.none() | NAME,
    "price": PRICE,
    "optional price": st.none() | PRICE,
    "average price": AMOUNT,
    "amount": AMOUNT,
    "positive amount": PRICE,
    "finite": FINITE,
    "unit": st.floats(0.0, 1.0),
    "count": st.integers(0, INT64_MAX),
}

NON_FINITE = (math.nan, math.inf, -math.inf)
INVALID: dict[str, tuple[Any, ...]] = {
    "time": (2**63, -(2**63) - 1, 2**64 - 1, 10**29),
    "name": ("", "   "),
    "optional name": ("", " "),
    "price": (*NON_FINITE, 0.0, -0.0, -1.5),
    "optional price": (*NON_FINITE, 0.0, -2.0),
    "average price": (*NON_FINITE, -1.0),
    "amount": (*NON_FINITE, -1.0),
    "positive amount": (*NON_FINITE, 0.0, -1.0),
    "finite": NON_FINITE,
    "unit": (math.nan, -0.1, 1.5),
    "count": (-1, 2**63),
}
"""Per kind of field, values no event may hold there (10**29: JSON only; NaN: msgpack)."""

_UPDATE = {"order_id": "name", "instrument": "name", "signal_id": "optional name", "id": "name"}

FIELD_KINDS: dict[type[EventBase], dict[str, str]] = {
    Tick: {
        "instrument": "name",
        "bid": "price",
        "ask": "price",
        "bid_size": "amount",
        "ask_size": "amount",
    },
    Trade: {"instrument": "name", "price": "price", "size": "positive amount"},
    Bar: {
        "instrument": "name",
        "open": "price",
        "high": "price",
        "low": "price",
        "close": "price",
        "volume": "amount",
    },
    Signal: {
        "instrument": "name",
        "trigger_price": "finite",
        "quantity": "amount",
        "confidence": "unit",
        "id": "name",
    },
    SubmitOrder: {
        "instrument": "name",
        "quantity": "positive amount",
        "limit_price": "optional price",
        "stop_price": "optional price",
        "take_profit": "optional price",
        "stop_loss": "optional price",
        "signal_id": "optional name",
        "order_id": "name",
        "id": "name",
    },
    KillSwitch: {},
    CancelOrder: {"order_id": "name", "id": "name"},
    OrderSubmitted: _UPDATE,
    OrderAccepted: _UPDATE,
    OrderRejected: _UPDATE,
    OrderPartiallyFilled: {
        **_UPDATE,
        "filled_quantity": "amount",
        "remaining_quantity": "amount",
        "avg_fill_price": "average price",
    },
    OrderFilled: {**_UPDATE, "filled_quantity": "amount", "avg_fill_price": "average price"},
    OrderCancelled: _UPDATE,
    Fill: {
        "order_id": "name",
        "instrument": "name",
        "quantity": "positive amount",
        "price": "price",
        "commission": "finite",
        "signal_id": "optional name",
        "id": "name",
    },
    PositionChanged: {
        "instrument": "name",
        "quantity": "finite",
        "avg_price": "average price",
        "realized_pnl": "finite",
    },
    ErrorEvent: {},
    InfoEvent: {},
    LifecycleEvent: {},
    Heartbeat: {"sequence": "count"},
    Event: {},
    FeedStatus: {"attempt": "count"},
    WebSocketMessage: {},
    FeedGap: {
        "instrument": "name",
        "first_missing": "count",
        "last_missing": "count",
        "missing": "count",
    },
}
"""Per built-in type, the kind of each field a rule applies to (beside the timestamps)."""


def kinds_of(cls: type[EventBase]) -> dict[str, str]:
    """Every checked field of ``cls`` and its kind, the two timestamps included."""
    return {"ts_event_ns": "time", **FIELD_KINDS[cls], "ts_created_ns": "time"}


_KEYS = st.text(max_size=5).filter(lambda key: key != "_type")  # a map with it is an event
_JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.text(max_size=8) | FINITE | st.integers(INT64_MIN, INT64_MAX),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _market(draw: st.DrawFn, cls: type[EventBase]) -> dict[str, Any]:
    if cls is Bar:
        low, a, b, high = sorted(draw(st.lists(PRICE, min_size=4, max_size=4)))
        opening, closing = draw(st.permutations([a, b]))
        return {"low": low, "high": high, "open": opening, "close": closing}
    if cls is Tick:
        bid, ask = sorted(draw(st.lists(PRICE, min_size=2, max_size=2)))
        return {"bid": bid, "ask": ask}
    return {}


@st.composite
def events(draw: st.DrawFn, cls: type[EventBase]) -> EventBase:
    """A valid event of the built-in type ``cls``, every checked field drawn."""
    values = {name: draw(VALID[kind]) for name, kind in kinds_of(cls).items()}
    values.update(draw(_market(cls)))
    if cls is OrderSubmitted:
        values["order"] = draw(events(SubmitOrder))
    if cls is ErrorEvent:
        values["original_event"] = draw(
            st.none() | _JSON_LIKE | events(Bar) | events(Fill) | events(OrderSubmitted)
        )
    if cls is Event:
        values["type"] = draw(st.sampled_from(EventType.members()))
        values["data"] = draw(st.dictionaries(_KEYS, _JSON_LIKE, max_size=4))
    for field in msgspec.structs.fields(cls):
        if field.name in values:
            continue
        if field.type is str:
            values[field.name] = draw(st.text(max_size=8))
        elif field.type is bool:
            values[field.name] = draw(st.booleans())
        elif isinstance(field.type, type) and issubclass(field.type, enum.Enum):
            values[field.name] = draw(st.sampled_from(field.type))
    return cls(**values)
