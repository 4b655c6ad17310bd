"""The portfolio never marks at a price it cannot use, whatever the bar source."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.bus import EventBus
from tickwire.events import ErrorEvent, Fill
from tickwire.portfolio import Portfolio

from .helpers import bar, buy

BAD_CLOSES = [math.nan, math.inf, -math.inf, 0.0, -5.0]


@pytest.mark.parametrize("close", BAD_CLOSES)
def test_a_bad_close_keeps_the_last_good_mark(close: float) -> None:
    pf = Portfolio(None, 1_000.0)
    pf.on_fill(buy(0, 10, 10.0))
    pf.on_bar(bar(1, 11.0))
    with pytest.raises(ValueError, match=r"Bar 'X' at 2: close must be .*keeps its last mark \(11"):
        pf.on_bar(bar(2, close))
    assert pf.last_price("X") == 11.0
    assert pf.equity == 1_000.0 + 10.0
    # The bar's time still has its point, at the equity of the last good mark.
    assert list(pf.curve.timestamps) == [1, 2]
    assert list(pf.curve.equity) == [1_010.0, 1_010.0]
    pf.on_bar(bar(3, 12.0))
    assert pf.equity == 1_000.0 + 20.0
    assert pf.position("X").unrealized_pnl == 20.0


def test_a_bad_first_bar_makes_no_mark() -> None:
    pf = Portfolio(None, 1_000.0)
    with pytest.raises(ValueError, match=r"keeps its last mark \(none yet\)"):
        pf.on_bar(bar(1, math.nan))
    assert pf.last_price("X") is None
    assert pf.equity == 1_000.0
    pf.on_bar(bar(2, 10.0))
    assert pf.last_price("X") == 10.0


def test_on_a_bus_a_nan_close_is_reported_and_equity_stays_finite() -> None:
    bus = EventBus()
    pf = Portfolio(bus, 1_000.0)
    errors: list[ErrorEvent] = []
    bus.subscribe(ErrorEvent, errors.append)
    bus.publish(buy(0, 10, 10.0))
    closes = [10.0, 10.5, math.nan, 11.0, math.nan, 12.0]
    for ts, close in enumerate(closes, 1):
        bus.publish(bar(ts, close))
    assert all(math.isfinite(e) for e in pf.curve.equity)
    assert list(pf.curve.equity) == [1_000.0, 1_005.0, 1_005.0, 1_010.0, 1_010.0, 1_020.0]
    assert [e.original_event.ts_event_ns for e in errors] == [3, 5]
    assert "close must be finite, got nan" in errors[0].error
    assert len(bus.dead_letters) == 2
    assert math.isfinite(pf.statistics().sharpe)


CLOSES = st.one_of(
    st.floats(min_value=-1e9, max_value=1e9), st.sampled_from([math.nan, math.inf, -math.inf])
)


@given(st.lists(CLOSES, max_size=60))
def test_equity_is_finite_whatever_the_closes(closes: list[float]) -> None:
    pf = Portfolio(None, 1_000.0)
    pf.on_fill(buy(0, 3, 10.0))
    for ts, close in enumerate(closes, 1):
        try:
            pf.on_bar(bar(ts, close))
        except ValueError:
            assert not (close > 0.0 and math.isfinite(close))
    assert math.isfinite(pf.equity)
    assert all(math.isfinite(e) for e in pf.curve.equity)
    last = pf.last_price("X")
    assert last is not None and last > 0.0 and math.isfinite(last)


def test_nonpositive_prices_are_marked_when_allowed() -> None:
    pf = Portfolio(None, 1_000.0, allow_nonpositive_prices=True)
    pf.on_fill(buy(0, 10, 5.0))
    pf.on_bar(bar(1, 0.0))
    pf.on_bar(bar(2, -3.0))
    assert pf.last_price("X") == -3.0
    assert pf.equity == 1_000.0 - 50.0 - 30.0
    with pytest.raises(ValueError, match="close must be finite"):
        pf.on_bar(bar(3, math.inf))
    assert pf.last_price("X") == -3.0
    pf.on_fill(buy(4, 1, -2.0))
    assert pf.quantity("X") == 11.0


@pytest.mark.parametrize(("price", "problem"), [(0.0, "above 0"), (-1.0, "above 0")])
def test_a_fill_at_a_price_it_would_not_mark_at_is_refused(price: float, problem: str) -> None:
    pf = Portfolio(None, 100.0)
    with pytest.raises(ValueError, match=f"Fill .*: price must be {problem}.*allow_nonpositive"):
        pf.on_fill(buy(1, 1.0, price))
    assert pf.cash == 100.0
    assert pf.last_price("X") is None


def test_a_fill_that_is_neither_a_buy_nor_a_sell_is_refused() -> None:
    pf = Portfolio(None, 100.0)
    # Struct construction does not check types: an untyped source can build this.
    fill = Fill(ts_event_ns=1, order_id="o1", instrument="X", side="HOLD", quantity=1, price=10)
    with pytest.raises(ValueError, match=f"Fill {fill.id}: side must be BUY or SELL"):
        pf.on_fill(fill)
    assert (pf.cash, pf.quantity("X")) == (100.0, 0.0)
    pf.on_fill(buy(2, 1.0, 10.0))
    assert pf.quantity("X") == 1.0
