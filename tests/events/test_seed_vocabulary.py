"""Seed 001's TickEvent, TradingSignal and OrderEvent, written as the document writes
them, build tickwire's own events: they dispatch, encode and cross processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.events import (
    EventBase,
    EventType,
    OrderAccepted,
    OrderCancelled,
    OrderEvent,
    OrderFilled,
    OrderOperation,
    OrderPartiallyFilled,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    Side,
    Signal,
    SubmitOrder,
    Tick,
    TickEvent,
    TradingSignal,
    decode,
    decode_json,
    encode,
    encode_json,
    to_ns,
)

NOON = datetime(2024, 3, 1, 12, 0, 0, 250_000)
NOON_NS = 1_709_294_400_250_000_000


def tick() -> Tick:
    return TickEvent(
        timestamp=NOON,
        instrument="ES",
        bid_price=5000.25,
        ask_price=5000.5,
        bid_volume=12,
        ask_volume=7,
    )


def signal() -> Signal:
    return TradingSignal(
        timestamp=NOON,
        action=OrderOperation.BUY,
        instrument="ES",
        trigger_price=5000.5,
        quantity=2,
        strategy_name="support_resistance",
        confidence=0.9,
    )


def filled() -> OrderFilled:
    order = OrderEvent(
        order_id="o-1",
        signal_id="s-1",
        status=OrderStatus.FILLED,
        filled_quantity=2,
        fill_price=5000.5,
        timestamp=NOON,
        instrument="ES",
    )
    assert isinstance(order, OrderFilled)
    return order


def test_tick_event_is_a_tick_with_the_documents_fields_mapped() -> None:
    event = tick()
    assert type(event) is Tick
    assert (event.bid, event.ask, event.bid_size, event.ask_size) == (5000.25, 5000.5, 12.0, 7.0)
    assert event.instrument == "ES"
    assert event.spread() == 0.25
    assert event.ts_event_ns == NOON_NS  # a naive datetime is UTC
    assert event.timestamp == NOON.replace(tzinfo=UTC)


def test_tick_event_takes_the_documents_positional_order_and_other_times() -> None:
    event = TickEvent(NOON_NS, "ES", 1.0, 2.0, 3, 4)
    assert (event.ts_event_ns, event.bid, event.ask, event.bid_size) == (NOON_NS, 1.0, 2.0, 3.0)
    eastern = NOON.replace(tzinfo=timezone(timedelta(hours=-5))) + timedelta(hours=-5)
    assert TickEvent(eastern, "ES", 1.0, 2.0).ts_event_ns == NOON_NS
    before = to_ns(None)
    assert TickEvent(None, "ES", 1.0, 2.0).ts_event_ns >= before
    assert TickEvent(datetime.now(), "ES", 1.0, 2.0).ts_event_ns > 0  # the document's call


def test_trading_signal_is_a_signal_with_action_as_side() -> None:
    event = signal()
    assert type(event) is Signal
    assert event.side is Side.BUY
    assert (event.instrument, event.trigger_price, event.quantity) == ("ES", 5000.5, 2.0)
    assert (event.strategy_name, event.confidence) == ("support_resistance", 0.9)
    assert event.ts_event_ns == NOON_NS
    assert event.is_high_confidence()
    assert event.id  # what OrderEvent.signal_id links back to
    positional = TradingSignal(NOON, "sell", "ES", 10.0, 1, "s", 0.5)
    assert positional.side is Side.SELL and not positional.is_high_confidence()


def test_trading_signal_refuses_what_is_not_a_side_or_a_confidence() -> None:
    with pytest.raises(ValueError, match=r"TradingSignal\.action: must be BUY or SELL, got 'HOLD'"):
        TradingSignal(NOON, "HOLD", "ES", 1.0)
    with pytest.raises(ValueError, match="confidence"):
        TradingSignal(NOON, "BUY", "ES", 1.0, confidence=1.5)


def test_order_event_builds_the_lifecycle_event_of_its_status() -> None:
    common: dict[str, Any] = {"order_id": "o-1", "signal_id": "s-1", "timestamp": NOON}
    order = SubmitOrder(ts_event_ns=1, instrument="NQ", side=Side.BUY, quantity=1.0)
    built = {
        "FILLED": filled(),
        "PARTIALLY_FILLED": OrderEvent(
            **common,
            status="partially_filled",
            filled_quantity=1,
            fill_price=10.0,
            instrument="ES",
            remaining_quantity=1,
        ),
        "ACCEPTED": OrderEvent(**common, status=OrderStatus.ACCEPTED, instrument="ES"),
        "REJECTED": OrderEvent(**common, status="REJECTED", instrument="ES", reason="risk"),
        "CANCELLED": OrderEvent(**common, status="CANCELLED", instrument="ES"),
        "SUBMITTED": OrderEvent(**common, status="SUBMITTED", order=order),
    }
    kinds = {
        "FILLED": OrderFilled,
        "PARTIALLY_FILLED": OrderPartiallyFilled,
        "ACCEPTED": OrderAccepted,
        "REJECTED": OrderRejected,
        "CANCELLED": OrderCancelled,
        "SUBMITTED": OrderSubmitted,
    }
    for status, event in built.items():
        assert type(event) is kinds[status]
        assert event.status == status
        assert event.is_fully_filled() is (status == "FILLED")
        assert (event.order_id, event.signal_id, event.ts_event_ns) == ("o-1", "s-1", NOON_NS)
    assert built["SUBMITTED"].instrument == "NQ"
    assert isinstance(built["SUBMITTED"], OrderSubmitted) and built["SUBMITTED"].order is order
    assert isinstance(built["REJECTED"], OrderRejected) and built["REJECTED"].reason == "risk"
    fill = filled()
    assert (fill.filled_quantity, fill.avg_fill_price) == (2.0, 5000.5)
    partial = built["PARTIALLY_FILLED"]
    assert isinstance(partial, OrderPartiallyFilled)
    assert (partial.filled_quantity, partial.remaining_quantity, partial.avg_fill_price) == (
        1.0,
        1.0,
        10.0,
    )


def test_order_event_as_the_document_writes_it_asks_for_the_instrument() -> None:
    with pytest.raises(TypeError, match=r"order events name their instrument.*instrument='ES'"):
        OrderEvent(
            order_id="o-1",
            signal_id="s-1",
            status=OrderStatus.FILLED,
            filled_quantity=2,
            fill_price=5000.5,
            timestamp=datetime.now(),
        )


def test_order_event_refuses_fills_that_do_not_fit_the_status() -> None:
    with pytest.raises(ValueError, match="FILLED order event needs its fill_price"):
        OrderEvent("o", "s", "FILLED", 2, None, NOON, instrument="ES")
    with pytest.raises(ValueError, match="ACCEPTED order event has no fill"):
        OrderEvent("o", "s", "ACCEPTED", 0, 10.0, NOON, instrument="ES")
    with pytest.raises(ValueError, match="SUBMITTED order event carries the order"):
        OrderEvent("o", "s", "SUBMITTED", instrument="ES")
    with pytest.raises(ValueError, match=r"OrderEvent\.status: must be one of"):
        OrderEvent("o", "s", "DONE", instrument="ES")


def test_they_round_trip_through_both_checked_codecs() -> None:
    for event in (tick(), signal(), filled()):
        assert decode(encode(event)) == event
        assert decode_json(encode_json(event)) == event


def test_they_cross_into_another_process() -> None:
    events: list[EventBase] = [tick(), signal(), filled()]
    reader = (
        "import sys\n"
        "from tickwire.events import decode\n"
        "for line in sys.stdin:\n"
        "    e = decode(bytes.fromhex(line.strip()))\n"
        "    print(type(e).__name__, e.ts_event_ns, e.instrument)\n"
    )
    lines = "".join(encode(event).hex() + "\n" for event in events)
    out = subprocess.run(
        [sys.executable, "-c", reader], input=lines, capture_output=True, text=True, check=True
    ).stdout
    names = ("Tick", "Signal", "OrderFilled")
    assert out.splitlines() == [f"{name} {NOON_NS} ES" for name in names]


def test_they_dispatch_to_the_classes_and_categories_they_build() -> None:
    bus = EventBus()
    got: dict[object, list[Any]] = {}
    for key in (Tick, Signal, OrderFilled, EventType.MARKET_DATA, EventType.SIGNAL):
        bus.subscribe(key, got.setdefault(key, []).append)
    bus.subscribe(EventType.ORDER_UPDATE, got.setdefault("orders", []).append)
    events = [tick(), signal(), filled()]
    for event in events:
        bus.publish(event)
    assert got[Tick] == got[EventType.MARKET_DATA] == [events[0]]
    assert got[Signal] == got[EventType.SIGNAL] == [events[1]]
    assert got[OrderFilled] == got["orders"] == [events[2]]
