"""The price rules of the simulated broker, one hand-made bar at a time."""

from __future__ import annotations

import pytest

from tests.execution.helpers import Venue, bar, order
from tickwire.events import (
    Bar,
    Fill,
    OrderAccepted,
    OrderFilled,
    OrderType,
    Side,
    SubmitOrder,
)

MARKET, LIMIT, STOP, STOP_LIMIT = (
    OrderType.MARKET,
    OrderType.LIMIT,
    OrderType.STOP,
    OrderType.STOP_LIMIT,
)


def run(request_kwargs: dict[str, object], *bars: tuple[float, float, float, float]) -> Venue:
    """Send the order after bar 0 (the strategy's bar), then feed ``bars`` as bars 1..n."""
    venue = Venue()
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(**request_kwargs))  # type: ignore[arg-type]
    venue.feed(*(bar(i + 1, *ohlc) for i, ohlc in enumerate(bars)))
    venue.recorder.assert_no_errors()
    return venue


# (case, order arguments, next bar OHLC, expected fill price or None)
CASES = [
    ("market fills at next open", {"side": "BUY"}, (103, 105, 102, 104), 103.0),
    ("market sell at next open", {"side": "SELL"}, (97, 98, 95, 96), 97.0),
    # buy limit
    ("buy limit untouched", {"order_type": LIMIT, "limit": 95}, (99, 101, 96, 100), None),
    ("buy limit touched", {"order_type": LIMIT, "limit": 97}, (99, 101, 96, 100), 97.0),
    ("buy limit low equal", {"order_type": LIMIT, "limit": 96}, (99, 101, 96, 100), 96.0),
    ("buy limit gap down", {"order_type": LIMIT, "limit": 97}, (94, 95, 93, 94), 94.0),
    # sell limit
    (
        "sell limit untouched",
        {"side": "SELL", "order_type": LIMIT, "limit": 105},
        (101, 104, 100, 102),
        None,
    ),
    (
        "sell limit touched",
        {"side": "SELL", "order_type": LIMIT, "limit": 103},
        (101, 104, 100, 102),
        103.0,
    ),
    (
        "sell limit gap up",
        {"side": "SELL", "order_type": LIMIT, "limit": 103},
        (106, 107, 105, 106),
        106.0,
    ),
    # buy stop
    ("buy stop untouched", {"order_type": STOP, "stop": 106}, (101, 105, 100, 104), None),
    ("buy stop touched", {"order_type": STOP, "stop": 104}, (101, 105, 100, 104), 104.0),
    ("buy stop gap up", {"order_type": STOP, "stop": 104}, (107, 108, 106, 107), 107.0),
    # sell stop
    (
        "sell stop untouched",
        {"side": "SELL", "order_type": STOP, "stop": 94},
        (99, 100, 95, 96),
        None,
    ),
    (
        "sell stop touched",
        {"side": "SELL", "order_type": STOP, "stop": 96},
        (99, 100, 95, 96),
        96.0,
    ),
    (
        "sell stop gap down",
        {"side": "SELL", "order_type": STOP, "stop": 96},
        (93, 94, 92, 93),
        93.0,
    ),
    # buy stop-limit
    (
        "buy stop-limit untouched",
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 105},
        (101, 103, 100, 102),
        None,
    ),
    (
        "buy stop-limit intrabar, limit above stop: at the stop",
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 105},
        (101, 106, 100, 105),
        104.0,
    ),
    (
        "buy stop-limit intrabar, limit below stop: not on the trigger bar",
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 102},
        (101, 106, 100, 105),
        None,
    ),
    (
        "buy stop-limit gap over stop within limit: at the open",
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 106},
        (105, 108, 104.5, 107),
        105.0,
    ),
    (
        "buy stop-limit gap over the limit, comes back: at the limit",
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 105},
        (107, 108, 104.5, 106),
        105.0,
    ),
    (
        "buy stop-limit gap over the limit, stays above: no fill",
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 105},
        (107, 108, 106, 107),
        None,
    ),
    # sell stop-limit
    (
        "sell stop-limit intrabar, limit below stop: at the stop",
        {"side": "SELL", "order_type": STOP_LIMIT, "stop": 96, "limit": 95},
        (99, 100, 94, 95),
        96.0,
    ),
    (
        "sell stop-limit intrabar, limit above stop: not on the trigger bar",
        {"side": "SELL", "order_type": STOP_LIMIT, "stop": 96, "limit": 98},
        (99, 100, 94, 95),
        None,
    ),
    (
        "sell stop-limit gap below the limit, comes back: at the limit",
        {"side": "SELL", "order_type": STOP_LIMIT, "stop": 96, "limit": 95},
        (93, 95.5, 92, 94),
        95.0,
    ),
    (
        "sell stop-limit gap below stop within limit: at the open",
        {"side": "SELL", "order_type": STOP_LIMIT, "stop": 96, "limit": 94},
        (95, 96, 93, 94),
        95.0,
    ),
]


@pytest.mark.parametrize(
    ("request_kwargs", "ohlc", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_fill_price_rule(
    request_kwargs: dict[str, object],
    ohlc: tuple[float, float, float, float],
    expected: float | None,
) -> None:
    venue = run(request_kwargs, ohlc)
    fills = venue.recorder.of(Fill)
    if expected is None:
        assert fills == []
        assert venue.broker.open_order_ids() == ["o1"]
    else:
        assert [(f.quantity, f.price) for f in fills] == [(10.0, expected)]
        assert venue.broker.open_order_ids() == []


def test_order_sent_during_a_bar_never_fills_on_that_bar() -> None:
    venue = Venue()
    sent: list[str] = []

    def strategy(b: object) -> None:  # runs after the broker, like a real strategy
        if not sent:
            sent.append("o1")
            venue.bus.publish(
                order(order_type=LIMIT, limit=200.0)  # marketable on every bar
            )

    venue.bus.subscribe(SubmitOrder, lambda r: venue.send(r))
    venue.bus.subscribe(Bar, strategy)
    venue.feed(bar(0, 100, 101, 99, 100))
    assert venue.recorder.of(OrderAccepted) and venue.recorder.of(Fill) == []
    venue.feed(bar(1, 102, 103, 101, 102))
    assert venue.fills() == [("o1", 10.0, 102.0, bar(1, 0, 0, 0, 0).ts_event_ns)]


def test_order_for_another_instrument_waits_for_a_later_timestamp() -> None:
    venue = Venue()
    venue.feed(bar(0, 50, 51, 49, 50, instrument="Y"), bar(0, 100, 101, 99, 100))
    venue.send(order(instrument="Y"))  # sent while the bar of X at time 0 is processed
    venue.feed(bar(0, 60, 61, 59, 60, instrument="Y"))  # same timestamp: already seen
    assert venue.recorder.of(Fill) == []
    venue.feed(bar(1, 52, 53, 51, 52, instrument="Y"))
    assert [f.price for f in venue.recorder.of(Fill)] == [52.0]


def test_bars_of_other_instruments_leave_orders_alone() -> None:
    venue = run({"instrument": "X"})
    venue.feed(bar(5, 10, 11, 9, 10, instrument="Z"))
    assert venue.recorder.of(Fill) == []
    assert venue.broker.open_order_ids() == ["o1"]


def test_unfilled_gtc_limit_waits_until_the_price_comes() -> None:
    venue = run(
        {"order_type": LIMIT, "limit": 95},
        (99, 101, 96, 100),
        (98, 99, 97, 98),
        (96, 97, 94, 95),
    )
    assert venue.fills() == [("o1", 10.0, 95.0, bar(3, 0, 0, 0, 0).ts_event_ns)]


def test_stop_limit_triggered_earlier_then_works_as_a_limit() -> None:
    venue = run(
        {"order_type": STOP_LIMIT, "stop": 104, "limit": 102},
        (101, 106, 100, 105),  # triggers inside the bar, limit below the stop: no fill
        (105, 106, 103, 104),  # a plain buy limit at 102 now: untouched
        (103, 104, 101, 102),  # touched
    )
    assert [(f.price, f.ts_event_ns) for f in venue.recorder.of(Fill)] == [
        (102.0, bar(3, 0, 0, 0, 0).ts_event_ns)
    ]


def test_fill_events_carry_order_details_and_derived_ids() -> None:
    venue = run({"side": "SELL", "quantity": 4.0}, (97, 98, 95, 96))
    fill = venue.recorder.of(Fill)[0]
    assert (fill.id, fill.side, fill.signal_id, fill.strategy_name) == (
        "o1-1",
        Side.SELL,
        "sig-o1",
        "test",
    )
    done = venue.recorder.of(OrderFilled)[0]
    assert (done.id, done.filled_quantity, done.avg_fill_price) == ("o1-filled", 4.0, 97.0)
    assert venue.recorder.types() == ["OrderSubmitted", "OrderAccepted", "Fill", "OrderFilled"]


def test_a_bar_without_working_orders_publishes_nothing() -> None:
    venue = Venue()
    venue.feed(*(bar(i, 100, 101, 99, 100) for i in range(5)))
    assert venue.recorder.types() == []
