"""The codec: every event type round-trips; bad input is rejected clearly, never a crash."""

from __future__ import annotations

import math
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.events import (
    BUILTIN_EVENT_TYPES,
    Bar,
    DecodeError,
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    Fill,
    OrderSubmitted,
    Side,
    SubmitOrder,
    decode,
    decode_json,
    encode,
    encode_json,
)
from tickwire.events._validation import MAX_NESTING

from .rules import events


def _bar(**changes: Any) -> Bar:
    fields: dict[str, Any] = dict(
        ts_event_ns=1, ts_created_ns=2, instrument="X", open=1.0, high=2.0, low=0.5, close=1.5
    )
    fields.update(changes)
    return Bar(**fields)


def _plain(event: EventBase) -> dict[str, Any]:
    """``event`` as the plain map its encoding holds."""
    plain: dict[str, Any] = msgspec.msgpack.decode(encode(event))
    return plain


def _both(plain: Any) -> list[tuple[str, Any, bytes]]:
    """``plain`` encoded for each decoder: (name, decoder, bytes)."""
    return [
        ("msgpack", decode, msgspec.msgpack.encode(plain)),
        ("json", decode_json, msgspec.json.encode(plain)),
    ]


@pytest.mark.parametrize("cls", BUILTIN_EVENT_TYPES, ids=lambda c: c.__name__)
@settings(max_examples=40)
@given(data=st.data())
def test_every_event_type_round_trips(cls: type[EventBase], data: st.DataObject) -> None:
    event = data.draw(events(cls))
    assert type(event) is cls
    assert decode(encode(event)) == event
    assert decode_json(encode_json(event)) == event


def test_the_built_in_types_are_the_catalogue() -> None:
    assert {cls.__name__ for cls in BUILTIN_EVENT_TYPES} == {
        "Tick",
        "Trade",
        "Bar",
        "Signal",
        "SubmitOrder",
        "KillSwitch",
        "CancelOrder",
        "OrderSubmitted",
        "OrderAccepted",
        "OrderRejected",
        "OrderPartiallyFilled",
        "OrderFilled",
        "OrderCancelled",
        "Fill",
        "PositionChanged",
        "ErrorEvent",
        "InfoEvent",
        "LifecycleEvent",
        "Heartbeat",
        "Event",
        "FeedStatus",
        "WebSocketMessage",
        "FeedGap",
    }


@given(st.binary(max_size=200))
def test_random_bytes_never_crash_or_half_build(data: bytes) -> None:
    for decoder in (decode, decode_json):
        try:
            event = decoder(data)
        except DecodeError:
            continue
        assert decode(encode(event)) == event


def test_truncated_bytes_are_rejected() -> None:
    with pytest.raises(DecodeError, match="truncated"):
        decode(encode(_bar())[:-4])


def test_wrong_field_type_names_the_type_and_field() -> None:
    plain = _plain(_bar()) | {"open": "one"}
    for _, decoder, raw in _both(plain):
        with pytest.raises(DecodeError, match=r"Bar: .*\$\.open"):
            decoder(raw)


def test_missing_field_and_unknown_type_are_named() -> None:
    with pytest.raises(DecodeError, match="instrument"):
        decode_json(b'{"_type":"Bar","ts_event_ns":1,"open":1,"high":1,"low":1,"close":1}')
    with pytest.raises(DecodeError, match=r"unknown event type 'Nope'.*register_event_type"):
        decode_json(b'{"_type":"Nope","ts_event_ns":1}')
    with pytest.raises(DecodeError, match="unknown event type"):
        decode_json(b'{"_type":"Event","type":"NOPE"}')
    with pytest.raises(DecodeError, match="must be a string"):
        decode(msgspec.msgpack.encode({"_type": 3, "ts_event_ns": 1}))


@pytest.mark.parametrize("tag", ["OrderUpdate", "EventBase", "_GenericBase"])
def test_abstract_bases_do_not_decode(tag: str) -> None:
    plain = {"_type": tag, "ts_event_ns": 1, "order_id": "o", "instrument": "X"}
    for _, decoder, raw in _both(plain):
        with pytest.raises(DecodeError, match=f"'{tag}' is an abstract event base"):
            decoder(raw)


def _deep(depth: int) -> Any:
    value: Any = None
    for _ in range(depth):
        value = [value]
    return value


def _deep_msgpack(depth: int) -> bytes:
    return b"\x91" * depth + b"\xc0"  # depth one-element arrays around a nil


def _deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [1000, 5000, 100_000])
def test_deep_nesting_is_a_decode_error(depth: int) -> None:
    marker = "\x00deep\x00"
    places = [
        {"x": marker},  # the whole input
        _plain(_bar()) | {"extra": marker},  # an unknown field, skipped
        _plain(Event(EventType.INFO, {"a": 1}, ts_event_ns=1)) | {"data": {"a": marker}},
        _plain(ErrorEvent(ts_event_ns=1, component="c", error="e")) | {"original_event": marker},
    ]
    for plain in places:
        packed = msgspec.msgpack.encode(plain).replace(
            msgspec.msgpack.encode(marker), _deep_msgpack(depth)
        )
        text = msgspec.json.encode(plain).replace(msgspec.json.encode(marker), _deep_json(depth))
        with pytest.raises(DecodeError, match="nested too deeply"):
            decode(packed)
        with pytest.raises(DecodeError, match="nested too deeply"):
            decode_json(text)


def test_payloads_nested_beyond_the_limit_are_rejected_below_the_recursion_limit() -> None:
    event = Event(EventType.INFO, {"a": _deep(MAX_NESTING + 1)}, ts_event_ns=1)
    for decoder, raw in ((decode, encode(event)), (decode_json, encode_json(event))):
        with pytest.raises(DecodeError, match=rf"Event.data\['a'\].*{MAX_NESTING} levels"):
            decoder(raw)
    fine = Event(EventType.INFO, {"a": _deep(MAX_NESTING - 1)}, ts_event_ns=1)
    assert decode(encode(fine)) == fine


def test_nested_error_events_decode_to_typed_events() -> None:
    bar = _bar()
    inner = ErrorEvent(ts_event_ns=1, component="strategy", error="boom", original_event=bar)
    outer = ErrorEvent(ts_event_ns=2, component="recorder", error="full", original_event=inner)
    for decoded in (decode(encode(outer)), decode_json(encode_json(outer))):
        assert decoded == outer
        assert isinstance(decoded, ErrorEvent)
        assert type(decoded.original_event) is ErrorEvent
        assert type(decoded.original_event.original_event) is Bar


def test_error_events_nested_beyond_the_limit_are_rejected() -> None:
    event: Any = _bar()
    for i in range(MAX_NESTING + 1):
        event = ErrorEvent(ts_event_ns=1, component=f"c{i}", error="e", original_event=event)
    with pytest.raises(DecodeError, match=f"nested more than {MAX_NESTING} events deep"):
        decode(encode(event))


def test_the_event_an_error_carries_keeps_the_values_it_failed_on() -> None:
    rejected = _bar(high=9.0, low=11.0)  # high below low: refused at a feed
    error = ErrorEvent(ts_event_ns=1, component="feed", error="high < low", original_event=rejected)
    for decoded in (decode(encode(error)), decode_json(encode_json(error))):
        assert isinstance(decoded, ErrorEvent) and decoded.original_event == rejected
    # Held to what both codecs carry alike: JSON has no NaN, so neither may the error.
    nan = ErrorEvent(
        ts_event_ns=1, component="feed", error="NaN", original_event=_bar(close=math.nan)
    )
    with pytest.raises(DecodeError, match=r"ErrorEvent\.original_event\['close'\]: must be finite"):
        decode(encode(nan))
    late = _plain(error) | {"ts_event_ns": 2**63}
    with pytest.raises(DecodeError, match=r"ErrorEvent\.ts_event_ns"):
        decode(msgspec.msgpack.encode(late))


def test_invalid_values_of_nested_events_are_named() -> None:
    error = ErrorEvent(ts_event_ns=1, component="c", error="e", original_event=_bar())
    order = SubmitOrder(ts_event_ns=1, instrument="X", side=Side.BUY, quantity=-1.0)
    submitted = OrderSubmitted(ts_event_ns=1, order_id="o", instrument="X", order=order)
    for decoder, raw in ((decode, encode(submitted)), (decode_json, encode_json(submitted))):
        with pytest.raises(
            DecodeError, match=r"SubmitOrder.quantity: .*\(in OrderSubmitted.order\)"
        ):
            decoder(raw)
    unknown = _plain(error) | {"original_event": {"_type": "Nope", "ts_event_ns": 1}}
    for _, decoder, raw in _both(unknown):
        with pytest.raises(DecodeError, match=r"unknown event type 'Nope'.*\(in ErrorEvent"):
            decoder(raw)


def test_raw_payloads_hold_only_what_both_codecs_carry() -> None:
    with pytest.raises(DecodeError, match=r"Event.data\['p'\]: must be finite"):
        decode(encode(Event(EventType.INFO, {"p": math.inf}, ts_event_ns=1)))
    with pytest.raises(DecodeError, match=r"Event.data\['n'\]: .* outside int64"):
        decode_json(b'{"_type":"Event","ts_event_ns":1,"type":"INFO","data":{"n":%d}}' % 10**29)
    raw = msgspec.msgpack.encode(
        _plain(ErrorEvent(ts_event_ns=1, component="c", error="e"))
        | {"original_event": b"\x00bytes"}
    )
    with pytest.raises(DecodeError, match=r"ErrorEvent\.original_event: a bytes"):
        decode(raw)
    with pytest.raises(DecodeError, match="map keys must be strings"):
        decode(encode(Event(EventType.INFO, {"m": {1: "one"}}, ts_event_ns=1)))


def test_nonpositive_prices_decode_only_when_allowed() -> None:
    negative = _bar(open=-5.0, high=-4.0, low=-6.0, close=-5.5)
    fill = Fill(
        ts_event_ns=1, order_id="o", instrument="X", side=Side.SELL, quantity=1.0, price=-37.6
    )
    for event in (negative, fill):
        for decoder, raw in ((decode, encode(event)), (decode_json, encode_json(event))):
            with pytest.raises(DecodeError, match="allow_nonpositive_prices=True accepts it"):
                decoder(raw)
            assert decoder(raw, allow_nonpositive_prices=True) == event
    with pytest.raises(DecodeError, match=r"Bar\.close: price must be finite"):
        decode(encode(_bar(close=math.nan)), allow_nonpositive_prices=True)


def test_recorded_bytes_are_checked_for_structure_not_values() -> None:
    from tickwire.events import decode_recorded

    nan_bar = _bar(close=math.nan)
    assert math.isnan(decode_recorded(encode(nan_bar)).close)  # type: ignore[attr-defined]
    with pytest.raises(DecodeError, match=r"Bar\.close"):
        decode(encode(nan_bar))
    with pytest.raises(DecodeError):
        decode_recorded(msgspec.msgpack.encode(_plain(_bar()) | {"open": "one"}))
    with pytest.raises(DecodeError, match="malformed"):
        decode_recorded(b"\xc1")
