"""Position, cash and PnL accounting, worked by hand."""

from __future__ import annotations

import pytest

from tickwire.events import Side
from tickwire.portfolio import Portfolio

from .helpers import bar, buy, sell


def test_long_round_trip_with_commissions() -> None:
    pf = Portfolio(None, 100_000.0)
    pf.on_fill(buy(1, 10, 100.0, commission=1.0))
    # Cash: 100 000 - 10 * 100 - 1.
    assert pf.cash == 98_999.0
    pf.on_bar(bar(1, 105.0))
    pos = pf.position("X")
    assert (pos.quantity, pos.avg_price, pos.unrealized_pnl) == (10.0, 100.0, 50.0)
    assert pf.equity == 98_999.0 + 1050.0
    pf.on_fill(sell(2, 10, 110.0, commission=1.0))
    pos = pf.position("X")
    assert pos.quantity == 0.0
    assert pos.avg_price == 0.0
    assert pos.realized_pnl == 100.0
    assert pos.commission == 2.0
    assert pos.net_realized_pnl == 98.0
    assert pf.cash == 100_098.0
    assert pf.equity == 100_098.0
    (trade,) = pf.trades
    assert trade.side is Side.BUY
    assert (trade.quantity, trade.entry_price, trade.exit_price) == (10.0, 100.0, 110.0)
    assert (trade.gross_pnl, trade.commission, trade.pnl) == (100.0, 2.0, 98.0)
    assert trade.return_fraction == pytest.approx(98.0 / 1000.0)
    assert (trade.entry_ts_ns, trade.exit_ts_ns, trade.duration_ns) == (1, 2, 1)


def test_short_round_trip() -> None:
    pf = Portfolio(None, 10_000.0)
    pf.on_fill(sell(1, 5, 200.0))
    assert pf.quantity("X") == -5.0
    assert pf.cash == 11_000.0
    pf.on_bar(bar(2, 190.0))
    assert pf.position("X").unrealized_pnl == 50.0
    assert pf.equity == 11_000.0 - 950.0
    pf.on_fill(buy(3, 5, 180.0))
    assert pf.position("X").realized_pnl == 100.0
    assert pf.cash == 10_100.0
    (trade,) = pf.trades
    assert trade.side is Side.SELL
    assert trade.pnl == 100.0
    assert trade.return_fraction == pytest.approx(0.1)


def test_flip_through_zero_splits_the_fill() -> None:
    pf = Portfolio(None, 0.0)
    pf.on_fill(buy(1, 10, 100.0, commission=1.0))
    pf.on_fill(sell(2, 15, 110.0, commission=3.0))
    pos = pf.position("X")
    assert pos.quantity == -5.0
    # The 5 left over open a short at the flip price.
    assert pos.avg_price == 110.0
    assert pos.realized_pnl == 100.0
    assert pf.cash == -1001.0 + 1650.0 - 3.0
    (first,) = pf.trades
    # Entry commission 1 plus 10/15 of the flip's 3.
    assert first.commission == pytest.approx(3.0)
    assert first.pnl == pytest.approx(97.0)
    pf.on_fill(buy(3, 5, 100.0, commission=0.5))
    second = pf.trades[1]
    assert second.side is Side.SELL
    assert (second.quantity, second.entry_price, second.exit_price) == (5.0, 110.0, 100.0)
    # 5/15 of the flip's commission plus the exit's 0.5.
    assert second.commission == pytest.approx(1.5)
    assert second.pnl == pytest.approx(48.5)
    assert (second.entry_ts_ns, second.exit_ts_ns) == (2, 3)
    assert pf.quantity("X") == 0.0


def test_partial_close_keeps_average_and_ends_trade_when_flat() -> None:
    pf = Portfolio(None, 0.0)
    pf.on_fill(buy(1, 10, 100.0))
    pf.on_fill(sell(2, 4, 110.0))
    pos = pf.position("X")
    assert (pos.quantity, pos.avg_price, pos.realized_pnl) == (6.0, 100.0, 40.0)
    assert pf.trades == []
    pf.on_fill(sell(3, 6, 90.0))
    assert pf.position("X").realized_pnl == -20.0
    (trade,) = pf.trades
    # Exit price is the quantity-weighted mean of 4 @ 110 and 6 @ 90.
    assert (trade.quantity, trade.entry_price, trade.exit_price) == (10.0, 100.0, 98.0)
    assert trade.pnl == -20.0
    assert not trade.is_win


def test_scaling_in_averages_the_price() -> None:
    pf = Portfolio(None, 0.0)
    pf.on_fill(buy(1, 10, 100.0))
    pf.on_fill(buy(2, 30, 120.0))
    pos = pf.position("X")
    assert (pos.quantity, pos.avg_price) == (40.0, 115.0)
    pf.on_fill(sell(3, 40, 115.0))
    assert pf.position("X").realized_pnl == 0.0
    (trade,) = pf.trades
    assert trade.entry_price == 115.0
    assert trade.entry_ts_ns == 1


def test_fractional_quantities_close_to_exactly_flat() -> None:
    pf = Portfolio(None, 0.0)
    pf.on_fill(buy(1, 0.1, 100.0))
    pf.on_fill(buy(2, 0.2, 100.0))
    pf.on_fill(sell(3, 0.3, 101.0))
    assert pf.quantity("X") == 0.0
    assert len(pf.trades) == 1


def test_instruments_are_independent() -> None:
    pf = Portfolio(None, 1000.0)
    pf.on_fill(buy(1, 1, 10.0, instrument="A"))
    pf.on_fill(sell(1, 2, 20.0, instrument="B"))
    pf.on_bar(bar(2, 12.0, "A"))
    pf.on_bar(bar(2, 19.0, "B"))
    assert pf.quantity("A") == 1.0
    assert pf.quantity("B") == -2.0
    assert pf.quantity("C") == 0.0
    assert pf.unrealized_pnl == pytest.approx(2.0 + 2.0)
    assert pf.equity == pytest.approx(1000.0 - 10.0 + 40.0 + 12.0 - 38.0)
    assert set(pf.positions()) == {"A", "B"}


def test_never_traded_position_is_flat() -> None:
    pos = Portfolio(None, 1.0).position("Z")
    assert pos.is_flat
    assert (pos.avg_price, pos.realized_pnl, pos.unrealized_pnl) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("quantity", 0.0), ("quantity", -1.0), ("quantity", float("nan")), ("price", float("inf"))],
)
def test_bad_fills_are_rejected_naming_the_fill(field: str, value: float) -> None:
    pf = Portfolio(None, 100.0)
    fill = buy(1, 1.0, 10.0)
    bad = type(fill)(**{**{f: getattr(fill, f) for f in fill.__struct_fields__}, field: value})
    with pytest.raises(ValueError, match=f"Fill {bad.id}: {field}"):
        pf.on_fill(bad)
    assert pf.cash == 100.0
    assert pf.quantity("X") == 0.0


def test_non_finite_cash_is_rejected() -> None:
    with pytest.raises(ValueError, match="cash"):
        Portfolio(None, float("nan"))
