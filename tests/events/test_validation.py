"""The market-data rules every edge applies (readers, decoders, feeds, Backtest input)."""

from __future__ import annotations

import math

import pytest

from tickwire.events import Bar, Tick, Trade, market_data_problem


def bar(**changes: object) -> Bar:
    fields: dict[str, object] = dict(
        ts_event_ns=1, instrument="ACME", open=10.0, high=11.0, low=9.0, close=10.5, volume=5.0
    )
    fields.update(changes)
    return Bar(**fields)  # type: ignore[arg-type]


def test_a_good_bar_tick_and_trade_pass() -> None:
    assert market_data_problem(bar()) is None
    assert market_data_problem(Tick(ts_event_ns=1, instrument="A", bid=1.0, ask=1.0)) is None
    assert market_data_problem(Trade(ts_event_ns=1, instrument="A", price=2.0, size=1.0)) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"close": math.nan}, "Bar.close"),
        ({"high": math.inf}, "Bar.high"),
        ({"open": -5.0, "low": -6.0}, "Bar.open"),
        ({"low": 0.0}, "Bar.low"),
        ({"high": 8.0}, "Bar.high"),
        ({"open": 12.0}, "Bar.open"),
        ({"close": 8.5}, "Bar.close"),
        ({"volume": -1.0}, "Bar.volume"),
        ({"instrument": ""}, "Bar.instrument"),
        ({"ts_event_ns": 2**63}, "Bar.ts_event_ns"),
        ({"ts_event_ns": -(2**63) - 1}, "Bar.ts_event_ns"),
        ({"close": "10"}, "Bar.close"),
    ],
)
def test_each_bad_bar_value_is_named(changes: dict[str, object], field: str) -> None:
    problem = market_data_problem(bar(**changes))
    assert problem is not None and problem.startswith(field + ":")


def test_crossed_and_bad_quotes_and_prints_are_named() -> None:
    crossed = Tick(ts_event_ns=1, instrument="A", bid=2.0, ask=1.0)
    assert (market_data_problem(crossed) or "").startswith("Tick.ask:")
    sized = Tick(ts_event_ns=1, instrument="A", bid=1.0, ask=2.0, bid_size=-1.0)
    assert (market_data_problem(sized) or "").startswith("Tick.bid_size:")
    empty = Trade(ts_event_ns=1, instrument="A", price=2.0, size=0.0)
    assert (market_data_problem(empty) or "").startswith("Trade.size:")


def test_nonpositive_prices_pass_only_when_allowed() -> None:
    negative = bar(open=-5.0, high=-4.0, low=-6.0, close=-5.5)
    assert market_data_problem(negative) is not None
    assert market_data_problem(negative, allow_nonpositive_prices=True) is None
    assert market_data_problem(bar(close=math.nan), allow_nonpositive_prices=True) is not None


def test_other_events_are_not_market_data() -> None:
    from tickwire.events import InfoEvent

    assert market_data_problem(InfoEvent(ts_event_ns=1, component="x", message="y")) is None
