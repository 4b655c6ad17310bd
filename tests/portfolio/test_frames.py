"""pandas views of the curve and trades."""

from __future__ import annotations

import pandas as pd

from tickwire.portfolio import Portfolio, equity_frame, trades_frame

from .helpers import bar, buy, sell

DAY = 86_400 * 1_000_000_000


def run() -> Portfolio:
    pf = Portfolio(None, 1000.0)
    pf.on_bar(bar(DAY, 10.0))
    pf.on_fill(buy(2 * DAY, 10, 10.0))
    pf.on_bar(bar(2 * DAY, 12.0))
    pf.on_bar(bar(3 * DAY, 9.0))
    pf.on_fill(sell(3 * DAY, 10, 9.0))
    return pf


def test_equity_frame() -> None:
    frame = equity_frame(run().curve)
    assert list(frame.columns) == ["equity", "drawdown", "exposed"]
    assert frame.index[0] == pd.Timestamp("1970-01-02", tz="UTC")
    assert frame["equity"].tolist() == [1000.0, 1020.0, 990.0]
    assert frame["drawdown"].tolist()[-1] == 990.0 / 1020.0 - 1.0
    assert frame["exposed"].tolist() == [False, True, False]


def test_trades_frame() -> None:
    frame = trades_frame(run().trades)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert row["side"] == "BUY"
    assert row["pnl"] == -10.0
    assert row["bars"] == 1
    assert row["duration"] == pd.Timedelta(days=1)
    assert row["entry_time"] == pd.Timestamp("1970-01-03", tz="UTC")


def test_empty_frames() -> None:
    pf = Portfolio(None, 1.0)
    assert len(equity_frame(pf.curve)) == 0
    assert len(trades_frame(pf.trades)) == 0


def test_portfolio_statistics_use_initial_cash_and_exposure() -> None:
    stats = run().statistics(periods_per_year=252)
    assert stats.start_equity == 1000.0
    assert stats.end_equity == 990.0
    assert stats.trades == 1
    assert stats.win_rate == 0.0
    assert stats.exposure == 1 / 3


def test_round_trip_columns_name_their_unit() -> None:
    frame = trades_frame(run().trades)
    assert "return_fraction" in frame.columns and "return_pct" not in frame.columns
    assert frame.iloc[0]["return_fraction"] == -10.0 / 100.0


def test_drawdown_has_one_sign_in_the_frame_and_the_statistics() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_fill(buy(DAY, 10, 10.0, commission=5.0))  # below the initial cash at once
    pf.on_bar(bar(DAY, 10.0))
    pf.on_bar(bar(2 * DAY, 12.0))
    pf.on_bar(bar(3 * DAY, 9.0))
    frame = equity_frame(pf.curve, initial_equity=pf.initial_cash)
    stats = pf.statistics()
    assert stats.max_drawdown < 0.0
    assert (frame["drawdown"] <= 0.0).all()
    assert frame["drawdown"].tolist()[0] == 995.0 / 1000.0 - 1.0
    assert stats.max_drawdown == frame["drawdown"].min() == 985.0 / 1015.0 - 1.0
