"""Signals become sized order requests, exactly once per signal id."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.execution.helpers import T0, Book, Recorder
from tickwire.bus import EventBus
from tickwire.events import OrderRejected, OrderType, Side, Signal, SubmitOrder, TimeInForce
from tickwire.execution import (
    FixedNotional,
    FixedQuantity,
    PercentOfEquity,
    SignalExecutor,
    SignalQuantity,
    Sizer,
    order_id_for,
)


def signal(
    sid: str = "s1", *, price: float = 50.0, quantity: float = 3.0, instrument: str = "X"
) -> Signal:
    return Signal(
        ts_event_ns=T0,
        instrument=instrument,
        side=Side.SELL,
        trigger_price=price,
        quantity=quantity,
        strategy_name="trend",
        id=sid,
    )


def execute(*signals: Signal, sizer: Sizer | None = None, **options: object) -> Recorder:
    bus = EventBus()
    recorder = Recorder(bus)
    SignalExecutor(bus, sizer, **options)  # type: ignore[arg-type]
    for item in signals:
        bus.publish(item)
    recorder.assert_no_errors()
    return recorder


def test_signal_becomes_an_enriched_market_order() -> None:
    [request] = execute(signal()).of(SubmitOrder)
    assert (request.instrument, request.side, request.quantity) == ("X", Side.SELL, 3.0)
    assert request.order_type is OrderType.MARKET and request.limit_price is None
    assert (request.strategy_name, request.signal_id, request.ts_event_ns) == ("trend", "s1", T0)
    assert request.order_id == request.id == order_id_for("s1") == "s1-O"


def test_limit_orders_at_the_trigger_price() -> None:
    [request] = execute(signal(), order_type=OrderType.LIMIT, time_in_force=TimeInForce.DAY).of(
        SubmitOrder
    )
    assert (request.order_type, request.limit_price, request.time_in_force) == (
        OrderType.LIMIT,
        50.0,
        TimeInForce.DAY,
    )


def test_stop_orders_are_not_a_signal_order_type() -> None:
    with pytest.raises(ValueError, match="order_type must be MARKET or LIMIT"):
        SignalExecutor(EventBus(), order_type=OrderType.STOP)


@pytest.mark.parametrize(
    ("sizer", "expected"),
    [
        (SignalQuantity(), 3.0),
        (FixedQuantity(7), 7.0),
        (FixedNotional(1_000), 20.0),
        (FixedNotional(1_030, lot_size=5), 20.0),
        (PercentOfEquity(10, Book(cash=20_000)), 40.0),
        (PercentOfEquity(10, Book(cash=20_490), lot_size=1), 40.0),
    ],
)
def test_sizing_rules(sizer: Sizer, expected: float) -> None:
    [request] = execute(signal(), sizer=sizer).of(SubmitOrder)
    assert request.quantity == pytest.approx(expected)


def test_any_callable_is_a_sizing_rule() -> None:
    [request] = execute(signal(), sizer=lambda s: s.confidence * 4).of(SubmitOrder)
    assert request.quantity == 4.0


@pytest.mark.parametrize(
    ("item", "sizer", "text"),
    [
        (signal(quantity=0.0), None, "sized quantity 0.0 is not a finite number above 0"),
        (signal(price=0.0), FixedNotional(100), "sized quantity nan"),
        (signal(price=math.nan), PercentOfEquity(5, Book()), "sized quantity nan"),
        (signal(), PercentOfEquity(5, Book(cash=-1.0)), "sized quantity 0.0"),
        (signal(), FixedNotional(10, lot_size=1), "sized quantity 0.0"),
        (signal(instrument=""), None, "instrument is empty"),
    ],
)
def test_unsizable_signals_are_rejected_orders(
    item: Signal, sizer: Sizer | None, text: str
) -> None:
    recorder = execute(item, sizer=sizer)
    assert recorder.of(SubmitOrder) == []
    [rejected] = recorder.of(OrderRejected)
    assert (rejected.order_id, rejected.signal_id) == ("s1-O", "s1")
    assert rejected.reason.startswith("signal s1: ") and text in rejected.reason


def test_limit_order_needs_a_valid_trigger_price() -> None:
    recorder = execute(signal(price=-1.0), order_type=OrderType.LIMIT)
    assert "trigger_price -1.0 is not a valid limit price" in recorder.of(OrderRejected)[0].reason


@pytest.mark.parametrize(
    "make",
    [
        lambda: FixedQuantity(0),
        lambda: FixedNotional(math.inf),
        lambda: FixedNotional(10, lot_size=-1),
        lambda: PercentOfEquity(-5, Book()),
    ],
)
def test_bad_sizer_settings(make: object) -> None:
    with pytest.raises(ValueError, match="must be"):
        make()  # type: ignore[operator]


def test_a_duplicated_signal_yields_one_order() -> None:
    bus = EventBus()
    recorder = Recorder(bus)
    executor = SignalExecutor(bus)
    for _ in range(3):
        bus.publish(signal())
    assert [r.order_id for r in recorder.of(SubmitOrder)] == ["s1-O"]
    assert executor.duplicates == 2


def test_memory_of_seen_ids_is_bounded_least_recently_seen_first() -> None:
    recorder = execute(
        signal("a"), signal("b"), signal("a"), signal("c"), signal("a"), signal("b"), remember=2
    )
    # "a" stays remembered because it keeps being seen; "b" is forgotten when "c" arrives.
    assert [r.signal_id for r in recorder.of(SubmitOrder)] == ["a", "b", "c", "b"]


def test_remember_must_be_positive() -> None:
    with pytest.raises(ValueError, match="remember"):
        SignalExecutor(EventBus(), remember=0)


@given(st.lists(st.sampled_from("abcdefgh"), max_size=60))
def test_exactly_one_order_per_unique_signal_id(ids: list[str]) -> None:
    recorder = execute(*(signal(sid) for sid in ids))
    orders = [r.signal_id for r in recorder.of(SubmitOrder)]
    assert orders == list(dict.fromkeys(ids))
