"""The registry of event types on the wire: static built-ins, explicit user types."""

from __future__ import annotations

import math
import threading

import pytest

from tickwire.events import (
    BUILTIN_EVENT_TYPES,
    Bar,
    DecodeError,
    EventBase,
    OrderUpdate,
    decode,
    decode_json,
    encode,
    encode_json,
    register_event_type,
    registered_event_types,
)

pytestmark = pytest.mark.usefixtures("isolated_registry")


def _bar() -> Bar:
    return Bar(ts_event_ns=1, ts_created_ns=2, instrument="X", open=1, high=1, low=1, close=1)


def test_a_user_type_decodes_only_once_registered() -> None:
    class Prediction(EventBase, frozen=True, kw_only=True):
        instrument: str
        score: float

    event = Prediction(ts_event_ns=1, instrument="X", score=0.7)
    raw = encode(event)  # encoding needs no registration
    with pytest.raises(DecodeError, match=r"unknown event type 'Prediction'.*register_event_type"):
        decode(raw)
    assert Prediction not in registered_event_types()
    assert register_event_type(Prediction) is Prediction
    assert decode(raw) == event
    assert decode_json(encode_json(event)) == event
    assert registered_event_types()[-1] is Prediction


def test_the_decorator_form_and_an_explicit_tag() -> None:
    @register_event_type
    class Quote(EventBase, frozen=True, kw_only=True, tag="myapp.Quote"):
        level: int

    event = Quote(ts_event_ns=1, level=3)
    assert encode_json(event).startswith(b'{"_type":"myapp.Quote"')
    assert decode(encode(event)) == event


def test_the_built_in_types_are_a_fixed_tuple_that_user_classes_do_not_join() -> None:
    before = registered_event_types()

    class Unregistered(EventBase, frozen=True, kw_only=True):
        pass

    assert registered_event_types() == before
    assert before[: len(BUILTIN_EVENT_TYPES)] == BUILTIN_EVENT_TYPES
    assert Unregistered not in registered_event_types()


def test_a_tag_collision_with_a_built_in_type_is_refused() -> None:
    class Bar(EventBase, frozen=True, kw_only=True):  # the built-in Bar's tag
        x: int = 0

    with pytest.raises(TypeError, match=r"tag 'Bar'.*built-in event type tickwire.*Bar.*tag="):
        register_event_type(Bar)
    assert type(decode(encode(_bar()))).__module__ == "tickwire.events.market"


def test_a_subclass_of_a_built_in_type_gets_its_own_tag_and_the_base_rules() -> None:
    @register_event_type
    class SpecialBar(Bar, frozen=True, kw_only=True):
        note: str = ""

    event = SpecialBar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1, note="n")
    assert decode(encode(event)) == event
    broken = SpecialBar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=math.nan)
    with pytest.raises(DecodeError, match=r"SpecialBar\.close: price must be finite"):
        decode(encode(broken))


def test_a_tag_collision_between_user_types_is_refused() -> None:
    def define() -> type[EventBase]:
        class Signal2(EventBase, frozen=True, kw_only=True, tag="dup"):
            pass

        return Signal2

    class Other(EventBase, frozen=True, kw_only=True, tag="dup"):
        pass

    first = register_event_type(define())
    assert register_event_type(first) is first  # again: nothing happens
    with pytest.raises(TypeError, match=r"tag 'dup'.*already the tag of the event type"):
        register_event_type(Other)
    redefined = register_event_type(define())  # the same definition run again replaces it
    assert redefined is not first
    assert type(decode(encode(redefined(ts_event_ns=1)))) is redefined


@pytest.mark.parametrize("cls", [EventBase, OrderUpdate, int, "Bar"])
def test_abstract_bases_and_non_events_cannot_be_registered(cls: object) -> None:
    with pytest.raises(TypeError, match=r"abstract base|expected an EventBase subclass"):
        register_event_type(cls)  # type: ignore[type-var]


def test_a_type_whose_fields_cannot_be_resolved_leaves_the_registry_unchanged() -> None:
    class Unresolvable(EventBase, frozen=True, kw_only=True):
        thing: NotDefinedAnywhere  # type: ignore[name-defined]  # noqa: F821

    before = registered_event_types()
    with pytest.raises(TypeError, match=r"Unresolvable cannot be decoded: .*NotDefinedAnywhere"):
        register_event_type(Unresolvable)
    assert registered_event_types() == before
    assert decode(encode(_bar())) == _bar()


def test_registering_while_other_threads_decode() -> None:
    raw = encode(_bar())
    before = len(registered_event_types())
    failures: list[BaseException] = []
    stop = threading.Event()

    def decode_in_a_loop() -> None:
        try:
            while not stop.is_set():
                assert decode(raw) == _bar()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=decode_in_a_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for i in range(50):
        register_event_type(type(f"Kind{i}", (EventBase,), {}, frozen=True, kw_only=True))
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(registered_event_types()) == before + 50
