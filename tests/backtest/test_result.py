"""What a backtest returns: typed records, and one flat summary for the command line."""

from __future__ import annotations

import json

from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import Bar, ErrorEvent
from tickwire.portfolio import RoundTrip, Statistics
from tickwire.strategy import Strategy
from tickwire.strategy.ema_cross import EmaCross


def test_statistics_and_trades_are_the_records() -> None:
    bars = list(synthetic_bars(3_000, seed=5, gap_probability=0.3))
    result = Backtest(EmaCross, bars, cash=1_000_000).run()
    assert isinstance(result.statistics, Statistics)
    assert result.statistics == result.portfolio.statistics()
    assert result.trades and all(isinstance(t, RoundTrip) for t in result.trades)
    assert result.statistics.trades == len(result.trades)


def test_summary_is_flat_and_in_the_statistics_units() -> None:
    bars = list(synthetic_bars(3_000, seed=5, gap_probability=0.3))
    result = Backtest(EmaCross, bars, cash=1_000_000).run()
    summary = result.summary()
    stats = result.statistics
    assert summary["total_return"] == stats.total_return
    assert summary["max_drawdown"] == stats.max_drawdown < 0.0  # a drawdown is negative
    assert summary["max_drawdown"] == result.equity_df()["drawdown"].min()
    assert summary["win_rate"] == stats.win_rate
    json.dumps(summary)  # plain values only


def test_errors_are_error_events() -> None:
    class Failing(Strategy):
        def on_bar(self, bar: Bar) -> None:
            raise RuntimeError("boom")

    bars = list(synthetic_bars(3, seed=1))
    result = Backtest(Failing, bars, on_error="continue").run()
    assert len(result.errors) == 3
    assert all(isinstance(e, ErrorEvent) and e.error == "boom" for e in result.errors)
