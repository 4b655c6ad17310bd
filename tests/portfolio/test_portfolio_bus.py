"""The portfolio on a real event bus: subscriptions, PositionChanged, the equity curve."""

from __future__ import annotations

from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.events import Bar, Fill, PositionChanged, ReconciliationEvent, ReconciliationKind
from tickwire.portfolio import Portfolio

from .helpers import bar, buy, sell


def test_publishes_position_changed_after_each_fill() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 1000.0)
    seen: list[PositionChanged] = []
    bus.subscribe(PositionChanged, seen.append)
    bus.publish(buy(5, 2, 10.0))
    bus.publish(sell(6, 3, 12.0))
    assert [(e.ts_event_ns, e.quantity, e.avg_price, e.realized_pnl) for e in seen] == [
        (5, 2.0, 10.0, 0.0),
        (6, -1.0, 12.0, 4.0),
    ]
    assert pf.quantity("X") == -1.0


def test_position_changed_sees_updated_state() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 1000.0)
    observed: list[tuple[float, float]] = []
    bus.subscribe(PositionChanged, lambda e: observed.append((pf.quantity("X"), pf.cash)))
    bus.publish(buy(1, 1, 10.0))
    assert observed == [(1.0, 990.0)]


def test_one_point_per_timestamp_after_all_bars() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 1000.0)
    bus.publish(buy(0, 1, 10.0, instrument="A"))
    bus.publish(buy(0, 1, 20.0, instrument="B"))
    for ts, a, b in [(1, 11.0, 21.0), (2, 12.0, 19.0)]:
        bus.publish(bar(ts, a, "A"))
        bus.publish(bar(ts, b, "B"))
    assert list(pf.curve.timestamps) == [1, 2]
    assert list(pf.curve.equity) == [970.0 + 32.0, 970.0 + 31.0]


def test_fill_after_its_bar_updates_that_point() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_bar(bar(1, 10.0))
    pf.on_bar(bar(2, 11.0))
    # Filled at 10.5 during bar 2, after the portfolio already saw its close of 11.
    pf.on_fill(buy(2, 10, 10.5, commission=1.0))
    assert list(pf.curve.equity) == [1000.0, 1000.0 - 106.0 + 110.0]
    assert pf.equity == 1004.0
    assert list(pf.curve.exposed()) == [0, 1]


def test_fill_before_its_bar_is_marked_at_the_close() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_bar(bar(1, 10.0))
    pf.on_fill(buy(2, 10, 10.5, commission=1.0))
    assert pf.equity == 1000.0 - 1.0
    pf.on_bar(bar(2, 11.0))
    assert list(pf.curve.equity) == [1000.0, 1004.0]
    assert list(pf.curve.exposed()) == [0, 1]


def test_exposure_flags_follow_opens_and_closes() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_bar(bar(1, 10.0))
    pf.on_fill(buy(2, 1, 10.0))
    for ts in (2, 3, 4):
        pf.on_bar(bar(ts, 10.0))
    pf.on_fill(sell(4, 1, 10.0))
    pf.on_bar(bar(5, 10.0))
    # Opened and closed inside the same bar: not exposed at that point.
    pf.on_fill(buy(5, 1, 10.0))
    pf.on_fill(sell(5, 1, 10.0))
    pf.on_bar(bar(6, 10.0))
    assert list(pf.curve.exposed()) == [0, 1, 1, 0, 0, 0]
    assert pf.statistics().exposure == pytest.approx(2 / 6)


def test_trade_bars_do_not_depend_on_fill_bar_order() -> None:
    fill_first = Portfolio(None, 1000.0)
    bar_first = Portfolio(None, 1000.0)
    for ts in range(1, 8):
        if ts == 2:
            fill_first.on_fill(buy(ts, 1, 10.0))
        if ts == 6:
            fill_first.on_fill(sell(ts, 1, 11.0))
        fill_first.on_bar(bar(ts, 10.0))
        bar_first.on_bar(bar(ts, 10.0))
        if ts == 2:
            bar_first.on_fill(buy(ts, 1, 10.0))
        if ts == 6:
            bar_first.on_fill(sell(ts, 1, 11.0))
    assert fill_first.trades[0].bars == bar_first.trades[0].bars == 4
    assert fill_first.trades == bar_first.trades


def test_flat_same_time_bars_leave_the_point_alone() -> None:
    pf = Portfolio(None, 500.0)
    pf.on_bar(bar(1, 10.0, "A"))
    pf.on_bar(bar(1, 99.0, "B"))
    assert list(pf.curve.equity) == [500.0]
    assert pf.last_price("B") == 99.0
    assert pf.last_price("C") is None


def test_close_unsubscribes() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 100.0)
    pf.close()
    bus.publish(buy(1, 1, 10.0))
    bus.publish(bar(1, 10.0))
    assert pf.cash == 100.0
    assert len(pf.curve) == 0


def test_subscribes_with_the_given_priority() -> None:
    calls: list[tuple[Any, int]] = []

    class Recorder:
        def subscribe(self, event_type: Any, handler: Any, *, priority: int = 0) -> None:
            calls.append((event_type, priority))

        def unsubscribe(self, event_type: Any, handler: Any) -> None:
            return None

        def publish(self, event: Any) -> None:
            return None

    Portfolio(Recorder(), 1.0, priority=7)
    assert sorted(calls, key=lambda c: c[0].__name__) == [
        (Bar, 7), (Fill, 7), (ReconciliationEvent, 7)
    ]  # fmt: skip


def test_long_run_curve_is_compact() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_fill(buy(0, 1, 10.0))
    for ts in range(1, 10_001):
        pf.on_bar(bar(ts, 10.0 + (ts % 7)))
    assert len(pf.curve) == 10_000
    assert pf.curve.nbytes() == 16 * 10_000
    assert pf.equity == pytest.approx(990.0 + 10.0 + 10_000 % 7)


def test_out_of_order_bar_updates_the_latest_point() -> None:
    pf = Portfolio(None, 100.0)
    pf.on_fill(buy(0, 1, 10.0))
    pf.on_bar(bar(5, 10.0))
    pf.on_bar(bar(3, 12.0))
    assert list(pf.curve.timestamps) == [5]
    assert list(pf.curve.equity) == [102.0]


def test_public_exports() -> None:
    import tickwire.portfolio as portfolio

    assert sorted(portfolio.__all__) == [
        "Drawdown",
        "EquityCurve",
        "Portfolio",
        "Position",
        "PositionState",
        "RoundTrip",
        "RoundTripBuilder",
        "Statistics",
        "compute_statistics",
        "equity_frame",
        "trades_frame",
    ]
    # The round trip is not a market print: no alias keeps the old name alive.
    assert not hasattr(portfolio, "Trade") and not hasattr(portfolio, "TradeBuilder")


def test_trade_bars_count_a_late_entry_fill_among_many_points() -> None:
    pf = Portfolio(None, 1e9)
    for ts in range(1, 5001):
        pf.on_bar(bar(ts, 10.0))
    pf.on_fill(buy(10, 1, 10.0))  # reported late: nine bar times lie before it
    for ts in range(5001, 6000):
        pf.on_bar(bar(ts, 10.0))
    pf.on_fill(sell(6000, 1, 11.0))
    assert pf.trades[0].bars == 5999 - 9


def test_marks_follow_each_instrument_whatever_its_name_object() -> None:
    pf = Portfolio(None, 1_000.0)
    pf.on_fill(buy(0, 1, 10.0, instrument="AAPL"))
    pf.on_fill(buy(0, 2, 20.0, instrument="MSFT"))
    # Equal names in new str objects, interleaved: each must reach its own mark.
    closes = [("AAPL", 11.0), ("MSFT", 21.0), ("AAPL", 12.0), ("MSFT", 22.0)]
    for ts, (name, close) in enumerate(closes, 1):
        pf.on_bar(bar(ts, close, instrument=name[:2] + name[2:]))
    assert pf.last_price("AAPL") == 12.0 and pf.last_price("MSFT") == 22.0
    assert pf.equity == 1_000.0 - 10.0 - 40.0 + 12.0 + 2 * 22.0


def _adopted(quantity: float, avg_price: float, instrument: str = "X") -> ReconciliationEvent:
    return ReconciliationEvent(
        ts_event_ns=1,
        venue="venue",
        kind=ReconciliationKind.POSITION_ADOPTED,
        instrument=instrument,
        quantity=quantity,
        avg_price=avg_price,
    )


def test_a_position_adopted_from_the_venue_is_held_at_its_price_and_paid_from_cash() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 1000.0)
    seen: list[PositionChanged] = []
    bus.subscribe(PositionChanged, seen.append)
    bus.publish(_adopted(-4, 10.0))
    assert [(e.quantity, e.avg_price) for e in seen] == [(-4.0, 10.0)]
    assert (pf.quantity("X"), pf.cash, pf.equity) == (-4.0, 1040.0, 1000.0)
    bus.publish(buy(2, 4, 9.0))  # closing it is a round trip like any other
    assert pf.position("X").realized_pnl == 4.0
    assert [(t.quantity, t.entry_price, t.exit_price) for t in pf.trades] == [(4.0, 10.0, 9.0)]


def test_other_reconciliation_findings_leave_the_portfolio_alone() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 1000.0)
    bus.publish(
        ReconciliationEvent(
            ts_event_ns=1, venue="v", kind=ReconciliationKind.POSITION_DIFFERS,
            instrument="X", quantity=3, avg_price=10.0,
        )
    )  # fmt: skip
    assert (pf.quantity("X"), pf.cash) == (0.0, 1000.0)


def test_adopting_refuses_a_position_that_is_not_flat() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_fill(buy(1, 2, 10.0))
    with pytest.raises(ValueError, match="already holds 2"):
        pf.adopt("X", 5, 10.0, 2)
    with pytest.raises(ValueError, match="quantity must be finite"):
        pf.adopt("Y", float("nan"), 10.0, 2)
    assert pf.quantity("X") == 2.0
