"""Every reason the simulated broker rejects an order, and its determinism."""

from __future__ import annotations

import math

import msgspec
import pytest

from tests.execution.helpers import T0, Book, Recorder, Venue, bar, order
from tickwire.bus import EventBus
from tickwire.events import (
    Bar,
    CancelOrder,
    Fill,
    OrderAccepted,
    OrderRejected,
    OrderType,
    SubmitOrder,
)
from tickwire.execution import PerUnitCommission, RiskManager, SimulatedBroker, TickSlippage

LIMIT, STOP, STOP_LIMIT = OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT


def reject_reason(request: SubmitOrder, account: Book | None = None, **options: object) -> str:
    venue = Venue(account, **options)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(request)
    venue.recorder.assert_no_errors()
    rejected = venue.recorder.of(OrderRejected)
    assert venue.recorder.of(OrderAccepted) == []
    assert [r.order_id for r in rejected] == [request.order_id]
    assert rejected[0].id == f"{request.order_id}-rejected"
    return rejected[0].reason


@pytest.mark.parametrize("quantity", [0.0, -5.0, math.nan, math.inf])
def test_bad_quantity(quantity: float) -> None:
    assert "quantity must be a finite number above 0" in reject_reason(order(quantity=quantity))


@pytest.mark.parametrize("side", ["BUY", "buy", None])
def test_side_that_is_not_a_side_member(side: object) -> None:
    request = msgspec.structs.replace(order(), side=side)
    assert "side must be Side.BUY or Side.SELL" in reject_reason(request)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"order_type": LIMIT}, "LIMIT order needs a finite limit_price"),
        ({"order_type": LIMIT, "limit": -1.0}, "LIMIT order needs a finite limit_price"),
        ({"order_type": LIMIT, "limit": math.nan}, "LIMIT order needs a finite limit_price"),
        ({"order_type": STOP}, "STOP order needs a finite stop_price"),
        ({"order_type": STOP, "stop": 0.0}, "STOP order needs a finite stop_price"),
        ({"order_type": STOP_LIMIT, "stop": 100.0}, "STOP_LIMIT order needs a finite limit_price"),
        ({"order_type": STOP_LIMIT, "limit": 100.0}, "STOP_LIMIT order needs a finite stop_price"),
        ({"take_profit": math.inf}, "take_profit must be a finite price above 0"),
        ({"stop_loss": -3.0}, "stop_loss must be a finite price above 0"),
        (
            {"take_profit": 90.0, "stop_loss": 95.0},
            "bracket of a buy needs stop_loss < take_profit",
        ),
        (
            {"side": "SELL", "take_profit": 110.0, "stop_loss": 95.0},
            "bracket of a sell needs stop_loss > take_profit",
        ),
    ],
)
def test_missing_or_invalid_prices(kwargs: dict[str, object], text: str) -> None:
    assert text in reject_reason(order(**kwargs))  # type: ignore[arg-type]


def test_unknown_instrument_without_a_bar() -> None:
    reason = reject_reason(order(instrument="NOPE"))
    assert reason == "unknown instrument 'NOPE' (no bar or quote seen for it yet)"


def test_unknown_instrument_with_an_explicit_list() -> None:
    reason = reject_reason(order(), instruments=["Y"])
    assert reason == "unknown instrument 'X' (not in the broker's instruments)"


def test_explicit_instruments_allow_orders_before_any_bar() -> None:
    venue = Venue(instruments=["X"])
    venue.send(order(order_type=LIMIT, limit=100))
    venue.feed(bar(0, 99, 100, 98, 99))
    assert [f.price for f in venue.recorder.of(Fill)] == [99.0]


def test_duplicate_working_order_id() -> None:
    venue = Venue()
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(order_type=LIMIT, limit=90), order(order_type=LIMIT, limit=91))
    assert venue.reasons(OrderRejected) == ["duplicate order id 'o1' (still working)"]


# -- buying power ------------------------------------------------------------------------


def test_buy_beyond_cash_is_rejected() -> None:
    reason = reject_reason(order(quantity=11), Book(cash=1_000.0))
    assert reason == "insufficient buying power: needs 1100.00, available 1000.00"


def test_buying_power_includes_commission_and_slippage() -> None:
    book = Book(cash=1_000.0)
    reason = reject_reason(
        order(quantity=10),
        book,
        commission=PerUnitCommission(0.1),
        slippage=TickSlippage(1, 0.01),
    )
    assert reason == "insufficient buying power: needs 1001.10, available 1000.00"


def test_buy_limit_is_checked_at_its_limit_price() -> None:
    venue = Venue(Book(cash=1_000.0))
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(quantity=11, order_type=LIMIT, limit=90))  # 990 fits
    assert venue.recorder.of(OrderRejected) == []
    assert venue.broker.reserved_cash == pytest.approx(990.0)


def test_working_buys_reserve_cash_until_they_finish() -> None:
    book = Book(cash=1_000.0)
    venue = Venue(book)
    venue.bus.subscribe(Fill, book.on_fill)  # the account follows its fills
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(quantity=6, order_id="a"), order(quantity=6, order_id="b"))
    assert [r.order_id for r in venue.recorder.of(OrderRejected)] == ["b"]
    venue.feed(bar(1, 100, 101, 99, 100))
    assert venue.broker.reserved_cash == 0.0
    venue.send(order(quantity=4, order_id="c"))  # 400 cash left after the fill of a
    assert [r.order_id for r in venue.recorder.of(OrderRejected)] == ["b"]


def test_buying_back_a_short_needs_no_cash() -> None:
    book = Book(cash=0.0)
    book.positions["X"] = -20.0
    venue = Venue(book)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order(quantity=20))
    assert venue.recorder.of(OrderRejected) == []
    venue.send(order(quantity=21, order_id="o2"))  # 1 unit opens a long
    assert "insufficient buying power: needs 100.00" in venue.reasons(OrderRejected)[0]


def test_sells_open_shorts_by_default() -> None:
    venue = Venue(Book(cash=0.0))
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order("SELL", quantity=50))
    assert venue.recorder.of(OrderRejected) == []


def test_short_selling_can_be_forbidden() -> None:
    book = Book()
    book.positions["X"] = 10.0
    venue = Venue(book, allow_short=False)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(order("SELL", quantity=6, order_id="a"), order("SELL", quantity=6, order_id="b"))
    assert venue.reasons(OrderRejected) == ["short selling not allowed: sell 6, long 4"]


def test_forbidding_shorts_needs_an_account() -> None:
    with pytest.raises(ValueError, match="allow_short=False needs an account"):
        Venue(allow_short=False)


@pytest.mark.parametrize("cap", [0.0, -0.1, 1.5])
def test_volume_cap_must_be_a_fraction(cap: float) -> None:
    with pytest.raises(ValueError, match="volume_cap must be in"):
        Venue(volume_cap=cap)


# -- determinism -------------------------------------------------------------------------


def session() -> list[tuple[str, str, int, float]]:
    venue = Venue(volume_cap=0.05)
    venue.feed(bar(0, 100, 101, 99, 100))
    venue.send(
        order(quantity=120, order_id="a", take_profit=104, stop_loss=97),
        order("SELL", quantity=30, order_id="b", order_type=LIMIT, limit=101),
        order(quantity=10, order_id="c", order_type=STOP, stop=102),
    )
    for i in range(1, 8):
        venue.feed(bar(i, 100 + i % 3, 103 + i % 3, 97 + i % 2, 101, volume=1_000))
    return [
        (type(e).__name__, e.id, e.ts_event_ns, getattr(e, "price", 0.0))
        for e in venue.recorder.events
        if hasattr(e, "id")
    ]


def test_the_same_inputs_give_the_same_events_and_ids() -> None:
    first = session()
    assert first == session()
    assert len(first) > 10


def test_broker_subscribes_its_four_inputs_with_its_priority() -> None:
    calls: list[tuple[str, int]] = []

    class Spy:
        def subscribe(self, event_type: type, handler: object, *, priority: int = 0) -> None:
            calls.append((event_type.__name__, priority))

        def publish(self, event: object) -> None:
            raise AssertionError("nothing to publish")

    SimulatedBroker(Spy(), priority=100)
    assert calls == [("Bar", 100), ("Tick", 100), ("OrderSubmitted", 100), ("CancelOrder", 100)]


def test_every_event_id_derives_from_its_order_id() -> None:
    bus = EventBus()
    recorder = Recorder(bus)
    SimulatedBroker(bus, Book(), priority=100, volume_cap=0.05)
    RiskManager(bus, max_order_quantity=500)
    bus.publish(bar(0, 100, 101, 99, 100))
    for request in (
        order(quantity=120, order_id="a", take_profit=104, stop_loss=97),
        order(quantity=5, order_id="b", order_type=LIMIT, limit=50),
        order(quantity=1, order_id="c", instrument="NOPE"),
        order(quantity=501, order_id="d"),
    ):
        bus.publish(request)
    bus.publish(CancelOrder(ts_event_ns=T0, order_id="b"))
    for i in range(1, 7):
        bus.publish(bar(i, 100, 103, 96, 101, volume=1_000))
    ids = [e.id for e in recorder.events if not isinstance(e, (Bar, SubmitOrder, CancelOrder))]
    assert ids == [
        "a-submitted",
        "a-accepted",
        "b-submitted",
        "b-accepted",
        "c-submitted",
        "c-rejected",
        "d-risk-rejected",
        "b-cancelled",
        "a-1",
        "a-partial-1",
        "a-2",
        "a-partial-2",
        "a-3",
        "a-filled",
        "a-sl-accepted",
        "a-tp-accepted",
        "a-sl-1",
        "a-sl-partial-1",
        "a-sl-2",
        "a-sl-partial-2",
        "a-sl-3",
        "a-sl-filled",
        "a-tp-cancelled",
    ]
