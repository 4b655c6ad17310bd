"""EventBus: routing, ordering, filters, stats, timing and error isolation."""

from __future__ import annotations

from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.events import Bar, ErrorEvent, Event, EventType, Signal, Tick, create_bar_event


def bar(instrument: str = "AAPL", close: float = 1.0) -> Bar:
    return create_bar_event(instrument, 1, close, close, close, close, 1)


def test_exact_type_dispatch_ignores_inheritance() -> None:
    class SpecialBar(Bar, frozen=True, kw_only=True):
        note: str = ""

    bus = EventBus()
    plain: list[Any] = []
    special: list[Any] = []
    bus.subscribe(Bar, plain.append)
    bus.subscribe(SpecialBar, special.append)
    b = bar()
    s = SpecialBar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1)
    bus.publish(b)
    bus.publish(s)
    assert plain == [b]
    assert special == [s]


def test_priority_then_subscription_order() -> None:
    bus = EventBus()
    order: list[str] = []
    bus.subscribe(Bar, lambda e: order.append("low"), priority=-1)
    bus.subscribe(Bar, lambda e: order.append("first0"))
    bus.subscribe(Bar, lambda e: order.append("high"), priority=10)
    bus.subscribe(Bar, lambda e: order.append("second0"))
    bus.publish(bar())
    assert order == ["high", "first0", "second0", "low"]


def test_filter_predicate() -> None:
    bus = EventBus()
    got: list[Bar] = []
    bus.subscribe(Bar, got.append, filter=lambda e: e.instrument == "AAPL")
    bus.publish(bar("MSFT"))
    bus.publish(bar("AAPL"))
    assert [e.instrument for e in got] == ["AAPL"]


def test_event_type_subscribers_get_typed_and_generic_events() -> None:
    bus = EventBus()
    got: list[Any] = []
    bus.register(EventType.BAR, got.append)
    typed = bar()
    generic = Event(EventType.BAR, {"close": 1.0})
    bus.emit(typed)
    bus.emit(generic)
    bus.emit(Event(EventType.INFO, {}))
    assert got == [typed, generic]


def test_generic_events_route_by_type_and_event_class_subscribers_get_all() -> None:
    bus = EventBus()
    market: list[Any] = []
    every_generic: list[Any] = []
    bus.subscribe(EventType.MARKET_DATA, market.append)
    bus.subscribe(Event, every_generic.append)
    a = Event(EventType.MARKET_DATA, {"price": 1})
    b = Event(EventType.INFO, {"msg": "hi"})
    bus.publish(a)
    bus.publish(b)
    assert market == [a]
    assert every_generic == [a, b]


def test_custom_event_type_is_routable() -> None:
    prediction = EventType.define("ML_PREDICTION")
    bus = EventBus()
    got: list[Any] = []
    bus.subscribe(prediction, got.append)
    bus.publish(Event(prediction, {"score": 0.9}))
    assert EventType.ML_PREDICTION is prediction  # type: ignore[attr-defined]
    assert len(got) == 1


def test_subscribe_all_sees_everything_in_priority_order() -> None:
    bus = EventBus()
    seen: list[str] = []
    bus.subscribe_all(lambda e: seen.append("all:" + type(e).__name__), priority=5)
    bus.subscribe(Bar, lambda e: seen.append("bar"))
    bus.publish(bar())
    bus.publish(Tick(ts_event_ns=1, instrument="X", bid=1, ask=2))
    assert seen == ["all:Bar", "bar", "all:Tick"]


def test_unsubscribe() -> None:
    bus = EventBus()
    got: list[Any] = []
    bus.subscribe(Bar, got.append)
    assert bus.unsubscribe(Bar, got.append)
    assert not bus.unsubscribe(Bar, got.append)
    bus.publish(bar())
    assert got == []


def test_subscribe_and_unsubscribe_during_delivery() -> None:
    bus = EventBus()
    log: list[str] = []

    def late(event: Any) -> None:
        log.append("late")

    def first(event: Any) -> None:
        log.append("first")
        bus.subscribe(Bar, late)
        bus.unsubscribe(Bar, second)

    def second(event: Any) -> None:
        log.append("second")

    bus.subscribe(Bar, first)
    bus.subscribe(Bar, second)
    bus.publish(bar())  # the snapshot taken at publish time is delivered whole
    assert log == ["first", "second"]
    log.clear()
    bus.unsubscribe(Bar, first)
    bus.publish(bar())
    assert log == ["late"]


def test_nested_publish_is_depth_first() -> None:
    bus = EventBus()
    log: list[str] = []

    def on_bar(event: Bar) -> None:
        log.append("bar-start")
        bus.publish(Signal(ts_event_ns=1, instrument="X", side=Signal.BUY, trigger_price=1.0))
        log.append("bar-end")

    bus.subscribe(Bar, on_bar)
    bus.subscribe(Signal, lambda e: log.append("signal"))
    bus.publish(bar())
    assert log == ["bar-start", "signal", "bar-end"]


def test_raising_handler_is_isolated_and_becomes_error_event_and_dead_letter() -> None:
    bus = EventBus()
    before: list[Any] = []
    after: list[Any] = []
    errors: list[ErrorEvent] = []

    def broken(event: Any) -> None:
        raise ValueError("bad tick")

    bus.subscribe(Bar, before.append, priority=1)
    bus.subscribe(Bar, broken)
    bus.subscribe(Bar, after.append, priority=-1)
    bus.subscribe(ErrorEvent, errors.append)
    b = bar()
    bus.publish(b)
    bus.publish(b)
    assert before == [b, b] and after == [b, b]
    assert len(errors) == 2
    assert errors[0].original_event is b
    assert errors[0].error == "bad tick"
    assert errors[0].error_type == "ValueError"
    assert "broken" in errors[0].component
    letters = bus.dead_letters.list()
    assert len(letters) == 2
    assert letters[0].event is b and isinstance(letters[0].error, ValueError)
    assert "broken" in letters[0].handler_name
    assert bus.get_stats()["errors"] == 2


def test_failing_error_handler_does_not_loop() -> None:
    bus = EventBus()
    calls: list[Any] = []

    def broken(event: Any) -> None:
        calls.append(event)
        raise RuntimeError("again")

    bus.subscribe(Bar, broken)
    bus.subscribe(ErrorEvent, broken)
    bus.publish(bar())
    assert [type(e) for e in calls] == [Bar, ErrorEvent]
    assert len(bus.dead_letters) == 2


def test_dead_letters_replay_to_recovered_handler() -> None:
    bus = EventBus(error_events=False)
    healthy = False
    got: list[Any] = []

    def flaky(event: Any) -> None:
        if not healthy:
            raise ConnectionError("down")
        got.append(event)

    bus.subscribe(Bar, flaky)
    b1, b2 = bar(close=1), bar(close=2)
    bus.publish(b1)
    bus.publish(b2)
    assert bus.dead_letters.replay() == 0 and len(bus.dead_letters) == 2
    healthy = True
    assert bus.dead_letters.replay() == 2
    assert got == [b1, b2]
    assert len(bus.dead_letters) == 0


def test_dead_letter_store_is_bounded() -> None:
    bus = EventBus(error_events=False, dead_letter_capacity=3)

    def broken(event: Any) -> None:
        raise RuntimeError("x")

    bus.subscribe(Bar, broken)
    for i in range(5):
        bus.publish(bar(close=float(i)))
    assert [d.event.close for d in bus.dead_letters.list()] == [2.0, 3.0, 4.0]
    assert bus.dead_letters.overflowed == 2


def test_stats_count_per_type_and_handlers() -> None:
    bus = EventBus()
    bus.subscribe(Bar, lambda e: None)
    bus.subscribe(Bar, lambda e: None)
    bus.subscribe(EventType.INFO, lambda e: None)
    for _ in range(3):
        bus.publish(bar())
    bus.publish(Event(EventType.INFO, {}))
    stats = bus.get_stats()
    assert stats["active_handlers"] == 3
    assert stats["handlers_by_type"] == {"Bar": 2, "INFO": 1}
    assert stats["event_counts"] == {"Bar": 3, "INFO": 1}
    assert stats["total_events"] == 4
    assert "handler_timings" not in stats


def test_timing_is_recorded_only_when_enabled() -> None:
    bus = EventBus(record_timings=True)

    def slow(event: Any) -> None:
        sum(range(1000))

    bus.subscribe(Bar, slow)
    for _ in range(4):
        bus.publish(bar())
    timing = bus.get_stats()["handler_timings"]
    (name,) = timing
    assert "slow" in name
    assert timing[name]["calls"] == 4
    assert timing[name]["total_ns"] > 0
    assert timing[name]["max_ns"] >= timing[name]["mean_ns"] > 0
    bus.enable_timing(False)
    bus.publish(bar())
    assert bus.get_stats()["handler_timings"][name]["calls"] == 4


def test_timing_percentiles_come_from_the_latest_calls() -> None:
    bus = EventBus(record_timings=True)

    def uneven(event: Any) -> None:
        sum(range(int(event.volume)))

    bus.subscribe(Bar, uneven)
    for n in range(200):  # one call in 20 is slow
        bus.publish(create_bar_event("X", 1, 1, 1, 1, 1, volume=2_000_000 if n % 20 == 0 else 0))
    (timing,) = bus.get_stats()["handler_timings"].values()
    assert timing["p50_ns"] < timing["p99_ns"] <= timing["max_ns"]
    for _ in range(1024):  # as many quick calls as the percentiles look at
        bus.publish(create_bar_event("X", 1, 1, 1, 1, 1, volume=0))
    (timing,) = bus.get_stats()["handler_timings"].values()
    assert timing["calls"] == 1224
    assert timing["p99_ns"] < timing["max_ns"]  # the slow calls have aged out


def test_rejects_non_callable_handler() -> None:
    with pytest.raises(TypeError, match="callable"):
        EventBus().subscribe(Bar, "not a function")  # type: ignore[arg-type]
