"""Orders the system cannot process end in OrderRejected, never in a silent failure."""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
import pytest

from tests.execution.helpers import T0, Book, Recorder, Venue, bar, order
from tickwire.bus import EventBus
from tickwire.events import (
    ErrorEvent,
    Fill,
    OrderAccepted,
    OrderCancelled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    Side,
    SubmitOrder,
    decode,
    encode,
)
from tickwire.execution import RiskManager, SimulatedBroker

LIMIT = OrderType.LIMIT

# (case, fields replaced in a valid market buy of 10 X, text the reason contains)
UNPROCESSABLE: list[tuple[str, dict[str, Any], str]] = [
    ("quantity beyond float", {"quantity": 10**400}, "quantity must be a finite number"),
    ("quantity as text", {"quantity": "10"}, "quantity must be a finite number"),
    ("quantity as bool", {"quantity": True}, "quantity must be a finite number"),
    ("quantity None", {"quantity": None}, "quantity must be a finite number"),
    ("quantity NaN", {"quantity": math.nan}, "quantity must be a finite number"),
    ("quantity as a numpy int", {"quantity": np.int64(10)}, "quantity must be a finite number"),
    ("side as text", {"side": "BUY"}, "side must be Side.BUY or Side.SELL"),
    ("order type as text", {"order_type": "LIMIT"}, "order_type must be an OrderType"),
    ("unknown order type", {"order_type": "ICEBERG"}, "order_type must be an OrderType"),
    ("time in force as text", {"time_in_force": "IOC"}, "time_in_force must be a TimeInForce"),
    (
        "limit price as text",
        {"order_type": LIMIT, "limit_price": "99"},
        "LIMIT order needs a finite limit_price",
    ),
    (
        "limit price beyond float",
        {"order_type": LIMIT, "limit_price": 10**400},
        "LIMIT order needs a finite limit_price",
    ),
    (
        "NaN limit price",
        {"order_type": LIMIT, "limit_price": math.nan},
        "LIMIT order needs a finite limit_price",
    ),
    ("NaN take-profit", {"take_profit": math.nan}, "take_profit must be a finite price"),
    ("unused bad limit", {"limit_price": -1.0}, "limit_price must be None or a finite price"),
    ("unused bad stop", {"stop_price": "1"}, "stop_price must be None or a finite price"),
    ("stop-loss as text", {"stop_loss": "95"}, "stop_loss must be a finite price"),
    ("empty instrument", {"instrument": ""}, "instrument must be a non-empty string"),
    ("blank instrument", {"instrument": " "}, "instrument must be a non-empty string"),
    ("blank order id", {"order_id": " "}, "order_id must be a non-empty string"),
    ("empty signal id", {"signal_id": ""}, "signal_id must be None or a non-empty string"),
    ("instrument not text", {"instrument": ["X"]}, "instrument must be a non-empty string"),
    ("order id not text", {"order_id": 7}, "order_id must be a non-empty string"),
    ("float event time", {"ts_event_ns": 1.5}, "ts_event_ns must be an int64"),
]


def bad(fields: dict[str, Any]) -> SubmitOrder:
    return msgspec.structs.replace(order(), **fields)


def named(order_id: object) -> str:
    """How a rejection names an order id that is not a name: by its repr."""
    return order_id if isinstance(order_id, str) and order_id.strip() else repr(order_id)


@pytest.mark.parametrize(("case", "fields", "text"), UNPROCESSABLE)
def test_the_broker_rejects_what_it_cannot_process(
    case: str, fields: dict[str, Any], text: str
) -> None:
    venue = Venue(Book())
    venue.feed(bar(0, 100, 101, 99, 100))
    request = bad(fields)
    venue.send(request)
    venue.feed(bar(1, 100, 101, 99, 100))
    venue.recorder.assert_no_errors()
    [rejected] = venue.recorder.of(OrderRejected)
    assert text in rejected.reason, rejected.reason
    assert rejected.order_id == named(request.order_id)
    assert rejected.id == f"{named(request.order_id)}-rejected"
    assert decode(encode(rejected)) == rejected  # a well-formed event, whatever the request
    assert venue.recorder.of(OrderAccepted) == [] and venue.recorder.of(Fill) == []


@pytest.mark.parametrize(("case", "fields", "text"), UNPROCESSABLE)
def test_the_risk_manager_rejects_what_it_cannot_process(
    case: str, fields: dict[str, Any], text: str
) -> None:
    bus = EventBus()
    recorder = Recorder(bus)
    book = Book()
    RiskManager(bus, book, max_order_quantity=1e6, max_notional=1e9, max_position=1e6)
    bus.publish(bar(0, 100, 101, 99, 100))
    request = bad(fields)
    bus.publish(request)
    recorder.assert_no_errors()
    assert recorder.of(OrderSubmitted) == []
    [rejected] = recorder.of(OrderRejected)
    assert rejected.reason.startswith("risk: ") and text in rejected.reason, rejected.reason
    assert rejected.id == f"{named(request.order_id)}-risk-rejected"
    assert decode(encode(rejected)) == rejected


def test_a_string_side_is_denied_before_the_risk_checks_read_it() -> None:
    bus = EventBus()
    recorder = Recorder(bus)
    book = Book()
    book.positions["X"] = 100.0
    RiskManager(bus, book, max_position=100)
    bus.publish(bad({"side": "SELL", "quantity": 50.0}))
    [rejected] = recorder.of(OrderRejected)
    assert "side must be Side.BUY or Side.SELL" in rejected.reason


# -- failures inside the handlers -----------------------------------------------------------


class Broken(Exception):
    pass


def failing_slippage(price: float, side: Side) -> float:
    raise Broken("slippage model down")


def test_a_broker_failure_on_arrival_rejects_the_order_and_is_reported() -> None:
    venue = Venue(Book(), slippage=failing_slippage)  # buy cost needs the slippage model
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(order_id="a"))
    [rejected] = venue.recorder.of(OrderRejected)
    assert rejected.id == "a-rejected"
    assert rejected.reason.startswith("internal error") and "slippage model down" in rejected.reason
    [error] = venue.recorder.of(ErrorEvent)
    assert error.error_type == "Broken" and isinstance(error.original_event, OrderSubmitted)
    assert venue.broker.open_order_ids() == [] and venue.broker.reserved_cash == 0.0


def test_a_broker_failure_while_filling_ends_that_order_only() -> None:
    calls: list[str] = []

    def fails_for_sells(price: float, side: Side) -> float:
        calls.append(side)
        if side is Side.SELL:
            raise Broken("no sell price")
        return price

    venue = Venue(slippage=fails_for_sells)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(Side.SELL, order_id="s"), order(Side.BUY, order_id="b"))
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 100, 101, 99, 100))
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)] == [("b", 100.0)]
    [cancelled] = venue.recorder.of(OrderCancelled)
    assert cancelled.order_id == "s" and cancelled.id == "s-cancelled"
    assert cancelled.reason.startswith("internal error") and "no sell price" in cancelled.reason
    assert len(venue.recorder.of(ErrorEvent)) == 1  # reported once, not on every later bar
    assert venue.broker.open_order_ids() == []
    assert calls == ["SELL", "BUY"]


def test_a_risk_manager_failure_rejects_the_order_and_is_reported() -> None:
    class BrokenAccount(Book):
        def quantity(self, instrument: str) -> float:
            raise Broken("positions unavailable")

    bus = EventBus()
    recorder = Recorder(bus)
    risk = RiskManager(bus, BrokenAccount(), max_position=100)
    bus.publish(order(order_id="a", ts=T0))
    [rejected] = recorder.of(OrderRejected)
    assert rejected.id == "a-risk-rejected"
    assert rejected.reason.startswith("risk: internal error")
    assert "positions unavailable" in rejected.reason
    [error] = recorder.of(ErrorEvent)
    assert error.error_type == "Broken" and error.original_event.order_id == "a"
    assert recorder.of(OrderSubmitted) == [] and risk.open_orders == 0


# -- bars the broker must not fill against ---------------------------------------------------


@pytest.mark.parametrize(
    "ohlc",
    [
        (math.nan, 101, 99, 100),
        (100, math.inf, 99, 100),
        (100, 101, -math.inf, 100),
        (100, 99, 101, 100),  # high below low
        (103, 101, 99, 100),  # open above high
        (-5, -4, -6, -5),
        (0.0, 1, 0.0, 0.5),
    ],
)
def test_a_bar_that_breaks_the_rules_matches_no_order(ohlc: tuple[float, ...]) -> None:
    venue = Venue()
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(
        order(order_id="m"),
        order(Side.SELL, order_id="l", order_type=LIMIT, limit=1e9),
        order(order_id="b", order_type=LIMIT, limit=1e-9),
    )
    venue.feed(bar(1, *ohlc))
    assert venue.recorder.of(Fill) == []
    venue.feed(bar(2, 100, 101, 99, 100))
    assert [f.order_id for f in venue.recorder.of(Fill)] == ["m"]


def test_a_bar_with_a_bad_volume_matches_no_order_under_a_volume_cap() -> None:
    venue = Venue(volume_cap=0.5)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(order_id="m"))
    venue.feed(bar(1, 100, 101, 99, 100, volume=math.nan))
    venue.feed(bar(2, 100, 101, 99, 100, volume=-10.0))
    assert venue.recorder.of(Fill) == []
    venue.feed(bar(3, 100, 101, 99, 100, volume=100.0))
    assert [f.quantity for f in venue.recorder.of(Fill)] == [10.0]


def test_nonpositive_prices_trade_when_the_broker_opts_in() -> None:
    venue = Venue(Book(cash=0.0), allow_nonpositive_prices=True)
    venue.feed(bar(0, -5, -4, -6, -5))
    venue.send(
        order(order_id="m"),
        order(order_id="l", order_type=LIMIT, limit=-5.5),
        order(order_id="z", order_type=LIMIT, limit=0.0),
    )
    venue.feed(bar(1, -5, -4, -6, -5))
    venue.recorder.assert_no_errors()
    assert venue.recorder.of(OrderRejected) == []
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)] == [
        ("m", -5.0),
        ("l", -5.5),
        ("z", -5.0),
    ]


def test_the_broker_still_refuses_non_finite_bars_when_nonpositive_prices_are_allowed() -> None:
    venue = Venue(allow_nonpositive_prices=True)
    venue.feed(bar(0, -5, -4, -6, -5))
    venue.send(order(order_id="m"))
    venue.feed(bar(1, math.nan, -4, -6, -5))
    assert venue.recorder.of(Fill) == []


def test_a_slippage_model_that_pushes_a_price_below_zero_fills_nothing() -> None:
    def to_minus_one(price: float, side: Side) -> float:
        return -1.0

    venue = Venue(slippage=to_minus_one)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(order_id="m"))
    venue.feed(bar(1, 100, 101, 99, 100))
    assert venue.recorder.of(Fill) == []
    [cancelled] = venue.recorder.of(OrderCancelled)
    assert "-1.0" in cancelled.reason and cancelled.reason.startswith("internal error")


@pytest.mark.parametrize("model", ["slippage", "commission"])
def test_a_cost_model_giving_nan_rejects_a_buy_instead_of_poisoning_buying_power(
    model: str,
) -> None:
    def nan_slippage(price: float, side: Side) -> float:
        return math.nan

    def nan_commission(quantity: float, price: float, first_fill: bool) -> float:
        return math.nan

    options = {"slippage": nan_slippage} if model == "slippage" else {"commission": nan_commission}
    venue = Venue(Book(cash=1_000.0), **options)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(quantity=5, order_id="a"), order(quantity=5, order_id="b"))
    assert [r.order_id for r in venue.recorder.of(OrderRejected)] == ["a", "b"]
    assert all("internal error" in r.reason for r in venue.recorder.of(OrderRejected))
    assert venue.broker.reserved_cash == 0.0


def test_a_broker_built_without_the_option_rejects_nonpositive_limits() -> None:
    venue = Venue()
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(order_type=LIMIT, limit=-1.0))
    assert "LIMIT order needs a finite limit_price above 0" in venue.reasons(OrderRejected)[0]


def test_the_option_is_keyword_only_and_defaults_to_off() -> None:
    bus = EventBus()
    assert SimulatedBroker(bus).allow_nonpositive_prices is False
    assert RiskManager(bus).allow_nonpositive_prices is False
