"""The codec: every event type round-trips; bad bytes are rejected clearly."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickwire.events import (
    Bar,
    DecodeError,
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    SubmitOrder,
    decode,
    decode_json,
    encode,
    encode_json,
    registered_event_types,
)

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
text = st.text(max_size=20)
ints = st.integers(min_value=0, max_value=2**63 - 1)


def _concrete_types() -> list[type[EventBase]]:
    return [
        cls
        for cls in registered_event_types()
        if not cls.__name__.startswith("_")
        and cls.__module__.startswith("tickwire.")
        and cls not in (EventBase,)
    ]


def _strategy_for(cls: type[EventBase]) -> st.SearchStrategy[Any]:
    if cls is Event:
        return st.builds(
            Event,
            type=st.sampled_from(EventType.members()),
            data=st.dictionaries(text, st.one_of(finite, text, st.integers(-(2**53), 2**53))),
            source=st.none() | text,
            ts_event_ns=ints,
        )
    if cls is ErrorEvent:
        bars = st.builds(
            Bar,
            ts_event_ns=ints,
            instrument=text,
            open=finite,
            high=finite,
            low=finite,
            close=finite,
            volume=finite,
            interval=text,
        )
        return st.builds(
            ErrorEvent,
            ts_event_ns=ints,
            component=text,
            error=text,
            error_type=text,
            original_event=st.none() | bars,
        )
    overrides: dict[str, Any] = {"ts_event_ns": ints, "ts_created_ns": ints}
    for field in msgspec.structs.fields(cls):
        if field.name == "confidence":
            overrides[field.name] = st.floats(0, 1)
        elif field.type is float:
            overrides[field.name] = finite
        elif field.type is str:
            overrides[field.name] = text
        elif field.type == (float | None):
            overrides[field.name] = st.none() | finite
        elif field.type is SubmitOrder:
            overrides[field.name] = _strategy_for(SubmitOrder)
    return st.builds(cls, **overrides)


@pytest.mark.parametrize("cls", _concrete_types(), ids=lambda c: c.__name__)
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_event_type_round_trips(cls: type[EventBase], data: st.DataObject) -> None:
    event = data.draw(_strategy_for(cls))
    assert type(event) is cls
    assert decode(encode(event)) == event
    assert decode_json(encode_json(event)) == event


def test_catalogue_is_complete() -> None:
    names = {cls.__name__ for cls in _concrete_types()}
    expected = {
        "Tick",
        "Trade",
        "Bar",
        "Signal",
        "SubmitOrder",
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
    }
    assert expected <= names


@given(st.binary(max_size=200))
def test_random_bytes_never_crash_or_half_build(data: bytes) -> None:
    try:
        event = decode(data)
    except DecodeError:
        return
    assert isinstance(event, EventBase)
    assert decode(encode(event)) == event


def test_truncated_bytes_are_rejected() -> None:
    raw = encode(Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1))
    with pytest.raises(DecodeError, match="truncated"):
        decode(raw[:-4])


def test_wrong_field_type_names_the_field() -> None:
    raw = msgspec.msgpack.encode(
        {
            "_type": "Bar",
            "ts_event_ns": 1,
            "instrument": "X",
            "open": "one",
            "high": 1.0,
            "low": 1.0,
            "close": 1.0,
        }
    )
    with pytest.raises(DecodeError, match=r"\$\.open"):
        decode(raw)


def test_missing_field_and_unknown_type_are_named() -> None:
    with pytest.raises(DecodeError, match="instrument"):
        decode_json(b'{"_type":"Bar","ts_event_ns":1,"open":1,"high":1,"low":1,"close":1}')
    with pytest.raises(DecodeError, match="Nope"):
        decode_json(b'{"_type":"Nope","ts_event_ns":1}')
    with pytest.raises(DecodeError, match="unknown event type"):
        decode_json(b'{"_type":"Event","type":"NOPE"}')


def test_duplicate_tags_are_reported() -> None:
    def define() -> None:
        class Bar(EventBase, frozen=True, kw_only=True):  # same tag as the built-in Bar
            x: int = 0

    define()
    try:
        with pytest.raises(TypeError, match="share the tag 'Bar'"):
            decode(encode(Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1)))
    finally:
        from tickwire.events import _base

        _base._registry[:] = [
            c for c in _base._registry if c.__module__ != __name__ or c.__name__ != "Bar"
        ]
