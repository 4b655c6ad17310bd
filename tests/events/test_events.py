"""Event records: immutability, timestamps, helpers, user types, the generic form."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tickwire.events import (
    Bar,
    DecodeError,
    Event,
    EventBase,
    EventType,
    OrderFilled,
    OrderRejected,
    OrderStatus,
    Side,
    Signal,
    SignalEvent,
    Tick,
    create_bar_event,
    create_signal_event,
    decode,
    encode,
    now_ns,
    register_event_type,
)


def test_events_are_immutable_and_slotted() -> None:
    bar = create_bar_event("X", 1, 1, 2, 0.5, 1.5, 10)
    with pytest.raises(AttributeError):
        bar.close = 3.0  # type: ignore[misc]
    assert not hasattr(bar, "__dict__")


def test_created_timestamp_is_filled_automatically() -> None:
    before = now_ns()
    tick = Tick(ts_event_ns=5, instrument="X", bid=1.0, ask=1.5, bid_size=2, ask_size=3)
    assert before <= tick.ts_created_ns <= now_ns()
    assert tick.ts_event_ns == 5
    assert tick.spread() == 0.5
    assert tick.mid() == 1.25


def test_signal_confidence_and_ids() -> None:
    a = create_signal_event(SignalEvent.BUY, 10.0, "X", "s", confidence=0.9)
    b = create_signal_event("SELL", 10.0, "X", "s", confidence=0.5)
    assert a.is_high_confidence() and not b.is_high_confidence()
    assert a.side is Side.BUY and b.side is Side.SELL
    assert a.id != b.id and len(a.id) == 32
    with pytest.raises(ValueError, match="confidence"):
        Signal(ts_event_ns=1, instrument="X", side=Side.BUY, trigger_price=1, confidence=1.5)


def test_order_lifecycle_statuses() -> None:
    filled = OrderFilled(ts_event_ns=1, order_id="o", instrument="X", signal_id="s")
    rejected = OrderRejected(ts_event_ns=1, order_id="o", instrument="X", reason="no cash")
    assert filled.is_fully_filled() and filled.status is OrderStatus.FILLED
    assert not rejected.is_fully_filled() and rejected.reason == "no cash"


def test_bar_factory_accepts_datetimes() -> None:
    when = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    bar = create_bar_event("AAPL", when, 150, 152, 149, 151, 10000)
    assert bar.timestamp == when
    assert bar.ts_event_ns == 1704164645123456000
    assert (bar.get_symbol(), bar.get_close(), bar.get_volume()) == ("AAPL", 151.0, 10000.0)
    naive = create_bar_event("AAPL", when.replace(tzinfo=None), 1, 1, 1, 1)
    assert naive.ts_event_ns == bar.ts_event_ns


@pytest.mark.usefixtures("isolated_registry")
def test_user_defined_events_serialize_once_registered() -> None:
    @register_event_type
    class Prediction(EventBase, frozen=True, kw_only=True):
        instrument: str
        score: float

    event = Prediction(ts_event_ns=1, instrument="X", score=0.7)
    assert decode(encode(event)) == event


def test_generic_event_form() -> None:
    event = Event(
        EventType.MARKET_DATA,
        {"symbol": "ETH-USD", "price": 3500.25, "volume": 10.5},
        source="exchange_connector",
    )
    assert event.type == EventType.MARKET_DATA
    assert event.data["price"] == 3500.25
    assert event.source == "exchange_connector"
    assert isinstance(event.timestamp, datetime)
    assert event.type == "MARKET_DATA"
    with pytest.raises(ValueError, match="unknown event type"):
        Event("NO_SUCH_TYPE", {})


def test_event_type_extension() -> None:
    anomaly = EventType.define("ANOMALY_DETECTED")
    assert EventType("ANOMALY_DETECTED") is anomaly
    assert EventType.define("ANOMALY_DETECTED") is anomaly
    assert anomaly in EventType.members()
    assert repr(anomaly) == "EventType.ANOMALY_DETECTED"
    assert anomaly.name == "ANOMALY_DETECTED"
    with pytest.raises(ValueError, match="unknown"):
        EventType("NOT_DEFINED_YET")
    with pytest.raises(ValueError, match="identifier"):
        EventType.define("not valid")


def test_values_are_checked_at_decode_not_at_construction() -> None:
    # Construction is unchecked for speed (the hot path builds events from checked data);
    # the codec is the checked boundary.
    bar = Bar(ts_event_ns=1, instrument="X", open=1, high=0.5, low=1, close=1)
    assert bar.high < bar.low
    with pytest.raises(DecodeError, match=r"Bar\.high: 0\.5 is below low 1\.0"):
        decode(encode(bar))
