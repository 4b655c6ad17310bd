"""Time in force, cancels, brackets, the volume cap and costs of the simulated broker."""

from __future__ import annotations

import pytest

from tests.execution.helpers import DAY_NS, T0, Venue, bar, order
from tickwire.events import (
    CancelOrder,
    Fill,
    InfoEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderType,
    TimeInForce,
)
from tickwire.execution import (
    BasisPointSlippage,
    FixedCommission,
    PercentCommission,
    PerUnitCommission,
    TickSlippage,
)

LIMIT, STOP = OrderType.LIMIT, OrderType.STOP


def ts(i: int) -> int:
    return bar(i, 1, 1, 1, 1).ts_event_ns


def started(**options: object) -> Venue:
    venue = Venue(**options)  # type: ignore[arg-type]
    venue.feed(bar(0, 100, 101, 99, 100))
    return venue


# -- time in force -----------------------------------------------------------------------


def test_day_order_fills_on_its_own_day() -> None:
    venue = started()
    venue.send(order(order_type=LIMIT, limit=98, tif=TimeInForce.DAY))
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 99, 100, 97, 98))
    assert [f.price for f in venue.recorder.of(Fill)] == [98.0]


def test_day_order_is_cancelled_by_the_first_bar_of_the_next_utc_day() -> None:
    venue = started()
    venue.send(order(order_type=LIMIT, limit=98, tif=TimeInForce.DAY))
    venue.feed(bar(1, 100, 101, 99, 100))
    venue.feed(bar(0, 90, 91, 89, 90, ts=T0 + DAY_NS))  # would fill, but a new day
    assert venue.recorder.of(Fill) == []
    cancelled = venue.recorder.of(OrderCancelled)
    assert [(c.order_id, c.reason, c.ts_event_ns) for c in cancelled] == [
        ("o1", "DAY order expired", T0 + DAY_NS)
    ]
    assert venue.broker.open_order_ids() == []


def test_gtc_order_survives_the_day_change() -> None:
    venue = started()
    venue.send(order(order_type=LIMIT, limit=98))
    venue.feed(bar(0, 90, 91, 89, 90, ts=T0 + DAY_NS))
    assert [f.price for f in venue.recorder.of(Fill)] == [90.0]


def test_ioc_unfilled_on_its_first_eligible_bar_is_cancelled() -> None:
    venue = started()
    venue.send(order(order_type=LIMIT, limit=95, tif=TimeInForce.IOC))
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 94, 95, 93, 94))
    assert venue.recorder.of(Fill) == []
    assert venue.reasons(OrderCancelled) == ["IOC remainder cancelled"]
    assert venue.recorder.of(OrderCancelled)[0].ts_event_ns == ts(1)


def test_ioc_that_fills_is_not_cancelled() -> None:
    venue = started()
    venue.send(order(tif=TimeInForce.IOC))
    venue.feed(bar(1, 102, 103, 101, 102))
    assert [f.price for f in venue.recorder.of(Fill)] == [102.0]
    assert venue.recorder.of(OrderCancelled) == []


def test_ioc_partial_fill_cancels_the_rest() -> None:
    venue = started(volume_cap=0.01)
    venue.send(order(quantity=25, tif=TimeInForce.IOC))
    venue.feed(bar(1, 102, 103, 101, 102, volume=1_000))
    assert [f.quantity for f in venue.recorder.of(Fill)] == [10.0]
    assert venue.recorder.types()[-3:] == ["Fill", "OrderPartiallyFilled", "OrderCancelled"]


# -- cancel ------------------------------------------------------------------------------


def test_cancel_removes_a_working_order() -> None:
    venue = started()
    venue.send(order(order_type=LIMIT, limit=95))
    venue.bus.publish(CancelOrder(ts_event_ns=ts(1), order_id="o1"))
    venue.feed(bar(2, 94, 95, 93, 94))
    assert venue.recorder.of(Fill) == []
    cancelled = venue.recorder.of(OrderCancelled)
    assert [(c.order_id, c.reason, c.id) for c in cancelled] == [
        ("o1", "cancelled on request", "o1-cancelled")
    ]


@pytest.mark.parametrize("filled_first", [False, True])
def test_cancel_of_an_unknown_or_finished_order_is_an_info_event(filled_first: bool) -> None:
    venue = started()
    if filled_first:
        venue.send(order())
        venue.feed(bar(1, 102, 103, 101, 102))
    venue.bus.publish(CancelOrder(ts_event_ns=ts(2), order_id="o1"))
    infos = venue.recorder.of(InfoEvent)
    assert [(i.component, i.message) for i in infos] == [
        ("SimulatedBroker", "cancel ignored: no working order 'o1'")
    ]
    assert venue.recorder.of(OrderCancelled) == []


# -- brackets ----------------------------------------------------------------------------


def bracketed(side: str = "BUY", **kwargs: object) -> Venue:
    venue = started(**kwargs)
    venue.send(
        order(
            side, take_profit=110 if side == "BUY" else 90, stop_loss=95 if side == "BUY" else 105
        )
    )
    return venue


def test_bracket_legs_are_placed_after_the_entry_fills() -> None:
    venue = bracketed()
    assert venue.broker.open_order_ids() == ["o1"]
    venue.feed(bar(1, 100, 101, 99, 100))
    assert venue.broker.open_order_ids() == ["o1-sl", "o1-tp"]
    accepted = [a.order_id for a in venue.recorder.of(OrderAccepted)]
    assert accepted == ["o1", "o1-sl", "o1-tp"]
    assert all(a.signal_id == "sig-o1" for a in venue.recorder.of(OrderAccepted))


def test_take_profit_fills_and_cancels_the_stop_loss() -> None:
    venue = bracketed()
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 105, 111, 104, 110))
    fills = [(f.order_id, f.side.value, f.quantity, f.price) for f in venue.recorder.of(Fill)]
    assert fills == [("o1", "BUY", 10.0, 100.0), ("o1-tp", "SELL", 10.0, 110.0)]
    assert [(c.order_id, c.reason) for c in venue.recorder.of(OrderCancelled)] == [
        ("o1-sl", "OCO: o1-tp filled")
    ]
    assert venue.broker.open_order_ids() == []


def test_stop_loss_fills_at_the_gap_open_and_cancels_the_take_profit() -> None:
    venue = bracketed()
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 93, 94, 92, 93))
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)][1:] == [("o1-sl", 93.0)]
    assert [c.order_id for c in venue.recorder.of(OrderCancelled)] == ["o1-tp"]


def test_a_bar_hitting_both_legs_fills_the_stop_loss() -> None:
    venue = bracketed()
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 100, 112, 94, 100))
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)][1:] == [("o1-sl", 95.0)]
    assert [c.order_id for c in venue.recorder.of(OrderCancelled)] == ["o1-tp"]


def test_sell_bracket_hitting_both_legs_fills_the_stop_loss() -> None:
    venue = bracketed("SELL")
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 100, 106, 89, 100))
    fills = [(f.order_id, f.side.value, f.price) for f in venue.recorder.of(Fill)]
    assert fills == [("o1", "SELL", 100.0), ("o1-sl", "BUY", 105.0)]


def test_stop_loss_may_fill_on_the_entry_bar() -> None:
    venue = bracketed()
    venue.feed(bar(1, 100, 101, 94, 96))
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)] == [
        ("o1", 100.0),
        ("o1-sl", 95.0),
    ]
    assert venue.broker.open_order_ids() == []


def test_take_profit_never_fills_on_the_entry_bar() -> None:
    venue = bracketed()
    venue.feed(bar(1, 100, 112, 99, 111))
    assert [f.order_id for f in venue.recorder.of(Fill)] == ["o1"]
    venue.feed(bar(2, 111, 112, 109, 111))
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)][1:] == [("o1-tp", 111.0)]


def test_partially_filled_bracket_entry_protects_the_filled_part() -> None:
    venue = started(volume_cap=0.01)
    venue.send(order(quantity=25, tif=TimeInForce.IOC, take_profit=110, stop_loss=95))
    venue.feed(bar(1, 100, 101, 99, 100, volume=1_000))
    legs = {o: venue.broker.remaining(o) for o in venue.broker.open_order_ids()}
    assert legs == {"o1-sl": 10.0, "o1-tp": 10.0}


def test_partial_leg_fill_shrinks_the_other_leg() -> None:
    venue = started(volume_cap=0.01)
    venue.send(order(quantity=10, take_profit=110, stop_loss=95))
    venue.feed(bar(1, 100, 101, 99, 100, volume=1_000))
    venue.feed(bar(2, 110, 111, 109, 110, volume=400))  # 4 units of the take-profit
    assert venue.broker.remaining("o1-sl") == 6.0
    venue.feed(bar(3, 94, 95, 93, 94, volume=1_000))
    fills = [(f.order_id, f.quantity, f.price) for f in venue.recorder.of(Fill)]
    assert fills == [("o1", 10.0, 100.0), ("o1-tp", 4.0, 110.0), ("o1-sl", 6.0, 94.0)]
    assert [c.order_id for c in venue.recorder.of(OrderCancelled)] == ["o1-tp"]


def test_cancelling_one_leg_leaves_the_other() -> None:
    venue = bracketed()
    venue.feed(bar(1, 100, 101, 99, 100))
    venue.bus.publish(CancelOrder(ts_event_ns=ts(1), order_id="o1-tp"))
    assert venue.broker.open_order_ids() == ["o1-sl"]


# -- volume cap --------------------------------------------------------------------------


def test_volume_cap_spreads_a_large_order_over_bars() -> None:
    venue = started(volume_cap=0.1)
    venue.send(order(quantity=250))
    venue.feed(
        bar(1, 100, 101, 99, 100, volume=1_000),
        bar(2, 102, 103, 101, 102, volume=1_000),
        bar(3, 104, 105, 103, 104, volume=1_000),
    )
    assert [(f.quantity, f.price) for f in venue.recorder.of(Fill)] == [
        (100.0, 100.0),
        (100.0, 102.0),
        (50.0, 104.0),
    ]
    partials = venue.recorder.of(OrderPartiallyFilled)
    assert [(p.filled_quantity, p.remaining_quantity) for p in partials] == [
        (100.0, 150.0),
        (200.0, 50.0),
    ]
    assert partials[1].avg_fill_price == pytest.approx(101.0)
    done = venue.recorder.of(OrderFilled)
    # (100 * 100 + 100 * 102 + 50 * 104) / 250
    assert [(d.filled_quantity, d.avg_fill_price) for d in done] == [(250.0, 101.6)]


def test_volume_cap_is_shared_in_submission_order() -> None:
    venue = started(volume_cap=0.1)
    venue.send(order(quantity=80, order_id="a"), order(quantity=80, order_id="b"))
    venue.feed(bar(1, 100, 101, 99, 100, volume=1_000))
    assert [(f.order_id, f.quantity) for f in venue.recorder.of(Fill)] == [
        ("a", 80.0),
        ("b", 20.0),
    ]


def test_bar_without_volume_fills_nothing_under_a_cap() -> None:
    venue = started(volume_cap=0.5)
    venue.send(order())
    venue.feed(bar(1, 100, 101, 99, 100, volume=0))
    assert venue.recorder.of(Fill) == []
    assert venue.broker.open_order_ids() == ["o1"]


def test_triggered_stop_left_over_by_the_cap_fills_at_the_next_open() -> None:
    venue = started(volume_cap=0.01)
    venue.send(order(quantity=15, order_type=STOP, stop=104))
    venue.feed(bar(1, 101, 105, 100, 104), bar(2, 99, 100, 98, 99))
    assert [(f.quantity, f.price) for f in venue.recorder.of(Fill)] == [(10.0, 104.0), (5.0, 99.0)]


# -- costs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (PerUnitCommission(0.5), [50.0, 50.0]),
        (PercentCommission(0.1), [10.0, 10.2]),
        (FixedCommission(7.0), [7.0, 0.0]),
    ],
)
def test_commission_models(model: object, expected: list[float]) -> None:
    venue = started(volume_cap=0.1, commission=model)
    venue.send(order(quantity=200))
    venue.feed(bar(1, 100, 101, 99, 100), bar(2, 102, 103, 101, 102))
    assert [f.commission for f in venue.recorder.of(Fill)] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("model", "side", "expected"),
    [
        (BasisPointSlippage(10), "BUY", 100.1),
        (BasisPointSlippage(10), "SELL", 99.9),
        (TickSlippage(2, 0.25), "BUY", 100.5),
        (TickSlippage(2, 0.25), "SELL", 99.5),
    ],
)
def test_slippage_is_adverse(model: object, side: str, expected: float) -> None:
    venue = started(slippage=model)
    venue.send(order(side))
    venue.feed(bar(1, 100, 101, 99, 100))
    assert [f.price for f in venue.recorder.of(Fill)] == pytest.approx([expected])


def test_slippage_never_pushes_a_limit_fill_past_its_limit() -> None:
    venue = started(slippage=TickSlippage(4, 1.0))
    venue.send(
        order(order_type=LIMIT, limit=101), order("SELL", order_type=LIMIT, limit=99, order_id="o2")
    )
    venue.feed(bar(1, 100, 101, 99, 100))
    assert [(f.order_id, f.price) for f in venue.recorder.of(Fill)] == [("o1", 101.0), ("o2", 99.0)]


def test_slippage_and_commission_apply_to_stop_fills() -> None:
    venue = started(slippage=TickSlippage(1, 0.5), commission=PerUnitCommission(0.1))
    venue.send(order("SELL", order_type=STOP, stop=96))
    venue.feed(bar(1, 99, 100, 95, 96))
    fill = venue.recorder.of(Fill)[0]
    assert fill.price == 95.5
    assert fill.commission == pytest.approx(1.0)
