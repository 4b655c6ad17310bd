"""Small event builders shared by the portfolio tests."""

from __future__ import annotations

from tickwire.events import Bar, Fill, Side

__all__ = ["bar", "buy", "sell"]


def bar(ts: int, close: float, instrument: str = "X") -> Bar:
    return Bar(
        ts_event_ns=ts, instrument=instrument, open=close, high=close, low=close, close=close
    )


def buy(ts: int, qty: float, price: float, commission: float = 0.0, instrument: str = "X") -> Fill:
    return Fill(
        ts_event_ns=ts,
        order_id=f"o{ts}",
        instrument=instrument,
        side=Side.BUY,
        quantity=qty,
        price=price,
        commission=commission,
    )


def sell(ts: int, qty: float, price: float, commission: float = 0.0, instrument: str = "X") -> Fill:
    return Fill(
        ts_event_ns=ts,
        order_id=f"o{ts}",
        instrument=instrument,
        side=Side.SELL,
        quantity=qty,
        price=price,
        commission=commission,
    )
