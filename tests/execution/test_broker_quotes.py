"""The simulated broker on quotes: buys at the ask, sells at the bid, of the next quote."""

from __future__ import annotations

from tests.execution.helpers import MINUTE_NS, T0, Book, Venue, bar, order
from tickwire.events import (
    Fill,
    OrderAccepted,
    OrderCancelled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderType,
    Tick,
    TimeInForce,
)

LIMIT, STOP, STOP_LIMIT = OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT


def quote(i: int, bid: float, ask: float, bid_size: float = 500, ask_size: float = 500) -> Tick:
    return Tick(
        ts_event_ns=T0 + i * MINUTE_NS, instrument="X",
        bid=bid, ask=ask, bid_size=bid_size, ask_size=ask_size,
    )  # fmt: skip


def started(**options: object) -> Venue:
    venue = Venue(**options)  # type: ignore[arg-type]
    venue.feed(quote(0, 99.9, 100.1))
    return venue


def test_market_orders_fill_on_the_next_quote_buys_at_the_ask_sells_at_the_bid() -> None:
    venue = started()
    venue.send(order("BUY", order_id="b"), order("SELL", order_id="s"))
    assert venue.fills() == []  # never at the quote the strategy already saw
    venue.feed(quote(1, 100.0, 100.2))
    assert venue.fills() == [("b", 10, 100.2, T0 + MINUTE_NS), ("s", 10, 100.0, T0 + MINUTE_NS)]


def test_limits_fill_when_the_quote_crosses_them_at_the_quote() -> None:
    venue = started()
    venue.send(
        order("BUY", order_id="b", order_type=LIMIT, limit=99.5),
        order("SELL", order_id="s", order_type=LIMIT, limit=101.0),
    )
    venue.feed(quote(1, 99.6, 99.8))  # ask 99.8 > 99.5: the buy waits
    assert venue.fills() == []
    venue.feed(quote(2, 99.3, 99.4))
    assert venue.fills() == [("b", 10, 99.4, T0 + 2 * MINUTE_NS)]
    venue.feed(quote(3, 101.2, 101.3))
    assert venue.fills()[1] == ("s", 10, 101.2, T0 + 3 * MINUTE_NS)


def test_stops_trigger_on_the_quote_and_fill_at_it() -> None:
    venue = started()
    venue.send(
        order("BUY", order_id="b", order_type=STOP, stop=100.5),
        order("SELL", order_id="s", order_type=STOP, stop=99.0),
    )
    venue.feed(quote(1, 100.2, 100.4))
    assert venue.fills() == []
    venue.feed(quote(2, 100.6, 100.7))  # ask 100.7 >= 100.5
    venue.feed(quote(3, 98.8, 98.9))  # bid 98.8 <= 99
    assert venue.fills() == [
        ("b", 10, 100.7, T0 + 2 * MINUTE_NS),
        ("s", 10, 98.8, T0 + 3 * MINUTE_NS),
    ]


def test_a_stop_limit_past_its_limit_waits_after_the_trigger() -> None:
    venue = started()
    venue.send(order("BUY", order_type=STOP_LIMIT, stop=100.5, limit=100.6))
    venue.feed(quote(1, 100.7, 100.8))  # triggered, but the ask is beyond the limit
    assert venue.fills() == []
    venue.feed(quote(2, 100.4, 100.55))
    assert venue.fills() == [("o1", 10, 100.55, T0 + 2 * MINUTE_NS)]


def test_the_volume_cap_takes_the_quoted_size_of_each_side() -> None:
    venue = started(volume_cap=0.5)
    venue.send(order("BUY", 30, order_id="b"), order("SELL", 30, order_id="s"))
    venue.feed(quote(1, 100.0, 100.2, bid_size=40, ask_size=20))
    assert venue.fills() == [("b", 10, 100.2, T0 + MINUTE_NS), ("s", 20, 100.0, T0 + MINUTE_NS)]
    assert len(venue.recorder.of(OrderPartiallyFilled)) == 2
    venue.feed(quote(2, 100.0, 100.2, bid_size=0, ask_size=0))  # no sizes: nothing fills
    assert len(venue.fills()) == 2


def test_crossed_or_broken_quotes_match_nothing() -> None:
    venue = started()
    venue.send(order())
    venue.feed(quote(1, 100.3, 100.2), quote(2, float("nan"), 100.2), quote(3, -1, 100.2))
    assert venue.fills() == []
    venue.feed(quote(4, 100.1, 100.2))
    assert venue.fills() == [("o1", 10, 100.2, T0 + 4 * MINUTE_NS)]


def test_ioc_and_day_orders_count_quotes_as_they_count_bars() -> None:
    venue = started()
    venue.send(
        order(order_id="ioc", order_type=LIMIT, limit=90, tif=TimeInForce.IOC),
        order(order_id="day", order_type=LIMIT, limit=90, tif=TimeInForce.DAY),
    )
    venue.feed(quote(1, 100.0, 100.2))
    venue.feed(quote(24 * 60, 100.0, 100.2))  # the next UTC day
    assert venue.reasons(OrderCancelled) == ["IOC remainder cancelled", "DAY order expired"]


def test_a_quote_makes_an_instrument_known_and_prices_the_buying_power_check() -> None:
    bus_venue = Venue(Book(cash=1_000))
    bus_venue.feed(quote(0, 99.9, 100.1))
    bus_venue.send(order("BUY", 9, order_id="fits"), order("BUY", 1, order_id="too-much"))
    assert [e.order_id for e in bus_venue.recorder.of(OrderAccepted)] == ["fits"]
    (rejected,) = bus_venue.recorder.of(OrderRejected)
    assert rejected.reason.startswith("insufficient buying power: needs 100.10")


def test_bars_and_quotes_mix_on_one_instrument() -> None:
    venue = started()
    venue.send(order(order_id="first"))
    venue.feed(bar(1, 100, 101, 99, 100.5))  # a bar fills at its open
    venue.send(order("SELL", order_id="second", ts=T0 + MINUTE_NS))
    venue.feed(quote(2, 100.4, 100.6))
    assert venue.fills() == [
        ("first", 10, 100, T0 + MINUTE_NS),
        ("second", 10, 100.4, T0 + 2 * MINUTE_NS),
    ]
    assert [f.price for f in venue.recorder.of(Fill)] == [100, 100.4]
