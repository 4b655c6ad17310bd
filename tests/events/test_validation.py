"""The value rules every edge applies (readers, decoders, feeds, Backtest input)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.events import (
    BUILTIN_EVENT_TYPES,
    Bar,
    DecodeError,
    EventBase,
    Side,
    SubmitOrder,
    Tick,
    Trade,
    decode,
    decode_json,
    encode,
    encode_json,
    event_problem,
    market_data_problem,
)
from tickwire.events._validation import DECODED_OK

from .rules import INVALID, events, kinds_of


def bar(**changes: object) -> Bar:
    fields: dict[str, object] = dict(
        ts_event_ns=1, instrument="ACME", open=10.0, high=11.0, low=9.0, close=10.5, volume=5.0
    )
    fields.update(changes)
    return Bar(**fields)  # type: ignore[arg-type]


def test_a_good_bar_tick_and_trade_pass() -> None:
    assert market_data_problem(bar()) is None
    assert market_data_problem(Tick(ts_event_ns=1, instrument="A", bid=1.0, ask=1.0)) is None
    assert market_data_problem(Trade(ts_event_ns=1, instrument="A", price=2.0, size=1.0)) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"close": math.nan}, "Bar.close"),
        ({"high": math.inf}, "Bar.high"),
        ({"open": -5.0, "low": -6.0}, "Bar.open"),
        ({"low": 0.0}, "Bar.low"),
        ({"high": 8.0}, "Bar.high"),
        ({"open": 12.0}, "Bar.open"),
        ({"close": 8.5}, "Bar.close"),
        ({"volume": -1.0}, "Bar.volume"),
        ({"instrument": ""}, "Bar.instrument"),
        ({"ts_event_ns": 2**63}, "Bar.ts_event_ns"),
        ({"ts_event_ns": -(2**63) - 1}, "Bar.ts_event_ns"),
        ({"close": "10"}, "Bar.close"),
    ],
)
def test_each_bad_bar_value_is_named(changes: dict[str, object], field: str) -> None:
    problem = market_data_problem(bar(**changes))
    assert problem is not None and problem.startswith(field + ":")


def test_crossed_and_bad_quotes_and_prints_are_named() -> None:
    crossed = Tick(ts_event_ns=1, instrument="A", bid=2.0, ask=1.0)
    assert (market_data_problem(crossed) or "").startswith("Tick.ask:")
    sized = Tick(ts_event_ns=1, instrument="A", bid=1.0, ask=2.0, bid_size=-1.0)
    assert (market_data_problem(sized) or "").startswith("Tick.bid_size:")
    empty = Trade(ts_event_ns=1, instrument="A", price=2.0, size=0.0)
    assert (market_data_problem(empty) or "").startswith("Trade.size:")


def test_nonpositive_prices_pass_only_when_allowed() -> None:
    negative = bar(open=-5.0, high=-4.0, low=-6.0, close=-5.5)
    assert market_data_problem(negative) is not None
    assert market_data_problem(negative, allow_nonpositive_prices=True) is None
    assert market_data_problem(bar(close=math.nan), allow_nonpositive_prices=True) is not None


def test_other_events_are_not_market_data() -> None:
    from tickwire.events import InfoEvent

    assert market_data_problem(InfoEvent(ts_event_ns=1, component="x", message="y")) is None


def _plain(event: EventBase) -> dict[str, Any]:
    plain: dict[str, Any] = msgspec.msgpack.decode(encode(event))
    return plain


def _with(event: EventBase, field: str, value: Any) -> EventBase:
    """A copy of ``event`` with ``field`` set to ``value``, bypassing any constructor check."""
    copy = msgspec.structs.replace(event)
    msgspec.structs.force_setattr(copy, field, value)
    return copy


@pytest.mark.parametrize("cls", BUILTIN_EVENT_TYPES, ids=lambda c: c.__name__)
@settings(max_examples=25)
@given(data=st.data())
def test_valid_events_pass_and_round_trip(cls: type[EventBase], data: st.DataObject) -> None:
    event = data.draw(events(cls))
    assert event_problem(event) is None
    assert decode(encode(event)) == event
    assert decode_json(encode_json(event)) == event


CHECKED_FIELDS = [
    (cls, name, kind) for cls in BUILTIN_EVENT_TYPES for name, kind in kinds_of(cls).items()
]


@pytest.mark.parametrize(
    ("cls", "field", "kind"),
    CHECKED_FIELDS,
    ids=[f"{c.__name__}.{f}" for c, f, _ in CHECKED_FIELDS],
)
@settings(max_examples=12)
@given(data=st.data())
def test_an_invalid_value_is_rejected_naming_the_field(
    cls: type[EventBase], field: str, kind: str, data: st.DataObject
) -> None:
    event = data.draw(events(cls))
    bad = data.draw(st.sampled_from(INVALID[kind]))
    where = f"{cls.__name__}.{field}:"
    assert (event_problem(_with(event, field, bad)) or "").startswith(where)
    plain = _plain(event) | {field: bad}
    decoders_tried = 0
    if not (isinstance(bad, int) and not -(2**63) <= bad < 2**64):
        decoders_tried += 1
        with pytest.raises(DecodeError, match=re.escape(where)):
            decode(msgspec.msgpack.encode(plain))
    if not (isinstance(bad, float) and not math.isfinite(bad)):  # JSON has no NaN or inf
        decoders_tried += 1
        with pytest.raises(DecodeError, match=re.escape(where)):
            decode_json(json.dumps(plain))
    assert decoders_tried


def _any_float() -> st.SearchStrategy[float]:
    return st.floats() | st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0])


@pytest.mark.parametrize("cls", [Bar, Tick, Trade], ids=lambda c: c.__name__)
@settings(max_examples=300)
@given(data=st.data(), allow=st.booleans())
def test_the_decoded_market_data_shortcut_agrees_with_the_rules(
    cls: type[EventBase], data: st.DataObject, allow: bool
) -> None:
    event = data.draw(events(cls))
    for field in data.draw(st.lists(st.sampled_from(sorted(kinds_of(cls))), max_size=3)):
        kind = kinds_of(cls)[field]
        if kind == "time":
            value: Any = data.draw(st.integers(-(2**63), 2**64 - 1))
        elif kind == "name":
            value = data.draw(st.sampled_from(["", " ", "\t", "X"]))
        else:
            value = data.draw(_any_float())
        event = _with(event, field, value)
    verdict = event_problem(event, allow_nonpositive_prices=allow) is None
    assert DECODED_OK[cls](event, allow) is verdict
    try:
        decoded = decode(encode(event), allow_nonpositive_prices=allow)
    except DecodeError:
        assert not verdict
    else:
        assert verdict and decoded == event


def test_order_prices_follow_allow_nonpositive_prices() -> None:
    order = SubmitOrder(
        ts_event_ns=1, instrument="CL", side=Side.BUY, quantity=1.0, limit_price=-37.5
    )
    problem = event_problem(order) or ""
    assert problem.startswith("SubmitOrder.limit_price: price must be above 0")
    assert event_problem(order, allow_nonpositive_prices=True) is None
    assert event_problem(_with(order, "limit_price", math.inf), allow_nonpositive_prices=True)


def test_user_types_are_held_to_the_timestamp_rules() -> None:
    class Note(EventBase, frozen=True, kw_only=True):
        text: str = ""

    assert event_problem(Note(ts_event_ns=1, ts_created_ns=2)) is None
    problem = event_problem(Note(ts_event_ns=2**63, ts_created_ns=2)) or ""
    assert problem.startswith("Note.ts_event_ns: expected an int64")
    assert (event_problem("not an event") or "").startswith("expected an event")


def test_an_int_too_large_for_a_float_is_a_problem_not_a_crash() -> None:
    from tickwire.events import Side, SubmitOrder, event_problem

    huge = SubmitOrder(ts_event_ns=1, instrument="X", side=Side.BUY, quantity=10**400)
    assert (event_problem(huge) or "").startswith("SubmitOrder.quantity: an int of 1329 bits")
    bar = Bar(ts_event_ns=1, instrument="X", open=10**5000, high=1.0, low=1.0, close=1.0)
    assert (market_data_problem(bar) or "").startswith("Bar.open:")
