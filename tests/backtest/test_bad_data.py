"""Bars that break the market-data rules never reach the books of a backtest."""

from __future__ import annotations

import math
from collections.abc import Iterator

import msgspec
import pytest

from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import Bar, ErrorEvent, OrderType
from tickwire.strategy import Strategy


class HoldOne(Strategy):
    """Buys 10 on the first bar and holds; remembers the closes it saw."""

    def on_start(self) -> None:
        self.closes: list[float] = []

    def on_bar(self, bar: Bar) -> None:
        if not self.closes:
            self.buy(10)
        self.closes.append(bar.close)


def bar(i: int, open: float, high: float, low: float, close: float) -> Bar:
    return Bar(ts_event_ns=1_000 + i, instrument="X", open=open, high=high, low=low, close=close)


def good_bars() -> list[Bar]:
    return [bar(i, 100, 102, 98, 100 + i % 2) for i in range(6)]


BAD = {
    "NaN close": {"close": math.nan},
    "high below low": {"high": 97.0},
    "open above high": {"open": 103.0},
    "infinite high": {"high": math.inf},
    "negative prices": {"open": -5.0, "high": -4.0, "low": -6.0, "close": -5.0},
    "zero low": {"low": 0.0},
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("mode", ["sync", "threaded"])
def test_a_bad_bar_becomes_a_dead_letter_and_the_run_goes_on(case: str, mode: str) -> None:
    data = good_bars()
    data[3] = msgspec.structs.replace(data[3], **BAD[case])
    strategy = HoldOne()
    engine = Backtest(strategy, data, cash=10_000, mode=mode)  # type: ignore[arg-type]
    result = engine.run()

    assert result.bars == 5
    assert strategy.closes == [b.close for i, b in enumerate(data) if i != 3]
    assert math.isfinite(result.final_equity)
    assert all(math.isfinite(value) for value in result.portfolio.curve.equity)
    [error] = result.errors
    assert isinstance(error, ErrorEvent) and error.original_event is data[3]
    assert error.component == "Backtest" and error.error_type == "DataError"
    assert error.error.startswith("Backtest data, bar 4: Bar.")
    [letter] = engine.bus.dead_letters.list()
    assert letter.event is data[3] and str(letter.error) == error.error


def test_bars_from_any_iterable_are_checked() -> None:
    def generate() -> Iterator[Bar]:
        yield from good_bars()[:2]
        yield bar(2, 100, math.inf, 98, 100)
        yield from good_bars()[3:]

    result = Backtest(HoldOne, generate(), cash=10_000).run()
    assert result.bars == 5
    assert [e.original_event.high for e in result.errors] == [math.inf]


def test_a_sell_limit_never_fills_on_a_bar_with_an_infinite_high() -> None:
    class SellHigh(Strategy):
        def on_bar(self, bar: Bar) -> None:
            if not hasattr(self, "sent"):
                self.sent = self.sell(1, order_type=OrderType.LIMIT, limit_price=1e9)

    data = good_bars()
    data[2] = msgspec.structs.replace(data[2], high=math.inf)
    result = Backtest(SellHigh, data).run()
    assert result.fills == []


def test_nonpositive_prices_are_accepted_when_the_run_opts_in() -> None:
    data = [bar(i, -5, -4, -6, -5) for i in range(4)]
    strategy = HoldOne()
    result = Backtest(strategy, data, cash=10_000, allow_nonpositive_prices=True).run()
    assert result.errors == []
    assert [(f.quantity, f.price) for f in result.fills] == [(10.0, -5.0)]
    assert result.portfolio.cash == 10_050.0  # a buy at a negative price is paid to take


def test_synthetic_bars_are_published_as_they_come() -> None:
    result = Backtest(HoldOne, synthetic_bars(500, seed=2), cash=1e9).run()
    assert result.bars == 500 and result.errors == []
