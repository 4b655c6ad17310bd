"""Event sourcing: replaying the fills rebuilds the live state; accounting identities."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.bus import EventBus
from tickwire.events import Bar, Fill, Side
from tickwire.portfolio import Portfolio

INSTRUMENTS = ["A", "B"]


@st.composite
def event_streams(draw: st.DrawFn) -> list[Bar | Fill]:
    """Bars and fills in time order; quantities from a small set so closes and flips occur."""
    events: list[Bar | Fill] = []
    for ts in range(draw(st.integers(1, 40))):
        for inst in draw(st.lists(st.sampled_from(INSTRUMENTS), max_size=3)):
            events.append(
                Fill(
                    ts_event_ns=ts,
                    order_id=f"o{ts}",
                    instrument=inst,
                    side=draw(st.sampled_from([Side.BUY, Side.SELL])),
                    quantity=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0, 0.1, 0.2, 0.3])),
                    price=draw(st.floats(1.0, 200.0)),
                    commission=draw(st.sampled_from([0.0, 0.25, 1.0])),
                )
            )
        for inst in draw(st.lists(st.sampled_from(INSTRUMENTS), unique=True)):
            close = draw(st.floats(1.0, 200.0))
            events.append(
                Bar(ts_event_ns=ts, instrument=inst, open=close, high=close, low=close, close=close)
            )
    return events


def run_live(events: list[Bar | Fill], cash: float) -> Portfolio:
    bus = EventBus()
    pf = Portfolio(bus, cash)
    for event in events:
        bus.publish(event)
    return pf


@settings(max_examples=80)
@given(event_streams())
def test_replay_equals_live_state(events: list[Bar | Fill]) -> None:
    live = run_live(events, 10_000.0)
    fills = [e for e in events if isinstance(e, Fill)]
    replayed = Portfolio.replay(fills, 10_000.0)
    assert replayed.cash == live.cash
    live_pos = live.positions()
    replay_pos = replayed.positions()
    assert set(live_pos) == set(replay_pos)
    for inst, pos in live_pos.items():
        other = replay_pos[inst]
        assert (pos.quantity, pos.avg_price, pos.realized_pnl, pos.commission) == (
            other.quantity,
            other.avg_price,
            other.realized_pnl,
            other.commission,
        )
    # Replay has no bars, so trades carry no bar counts; everything else is identical.
    strip = [
        (t.instrument, t.side, t.quantity, t.entry_ts_ns, t.exit_ts_ns, t.pnl) for t in live.trades
    ]
    assert strip == [
        (t.instrument, t.side, t.quantity, t.entry_ts_ns, t.exit_ts_ns, t.pnl)
        for t in replayed.trades
    ]
    assert all(t.bars == 0 for t in replayed.trades)


@settings(max_examples=80)
@given(event_streams())
def test_equity_is_cash_plus_marked_positions_and_pnl(events: list[Bar | Fill]) -> None:
    pf = run_live(events, 10_000.0)
    marked = math.fsum(p.quantity * p.last_price for p in pf.positions().values() if p.quantity)
    assert pf.equity == pytest.approx(pf.cash + marked, abs=1e-6)
    # Equity = initial cash + realized + unrealized - commissions.
    assert pf.equity == pytest.approx(
        10_000.0 + pf.realized_pnl + pf.unrealized_pnl - pf.commission, abs=1e-6
    )
    if all(p.is_flat for p in pf.positions().values()):
        # Every unit opened was closed: the trades account for all realized PnL.
        assert math.fsum(t.pnl for t in pf.trades) == pytest.approx(
            pf.realized_pnl - pf.commission, abs=1e-6
        )
    last_fill = max((e.ts_event_ns for e in events if isinstance(e, Fill)), default=-1)
    if pf.curve.equity and last_fill <= pf.curve.timestamps[-1]:
        # No fill after the last bar time: the last point is the current equity.
        assert pf.curve.equity[-1] == pytest.approx(pf.equity, abs=1e-6)
    assert list(pf.curve.timestamps) == sorted(set(pf.curve.timestamps))


@settings(max_examples=50)
@given(event_streams())
def test_trade_quantities_balance(events: list[Bar | Fill]) -> None:
    pf = run_live(events, 0.0)
    for trade in pf.trades:
        assert trade.quantity > 0.0
        assert trade.exit_ts_ns >= trade.entry_ts_ns
        assert trade.pnl == pytest.approx(trade.gross_pnl - trade.commission)
        sign = 1.0 if trade.side is Side.BUY else -1.0
        assert trade.gross_pnl == pytest.approx(
            sign * (trade.exit_price - trade.entry_price) * trade.quantity, abs=1e-6
        )
