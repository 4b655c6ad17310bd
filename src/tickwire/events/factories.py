"""Seed-style factory functions for the most common events."""

from __future__ import annotations

from datetime import UTC, datetime

from tickwire.events._base import now_ns
from tickwire.events.market import Bar
from tickwire.events.trading import Side, Signal

__all__ = ["create_bar_event", "create_signal_event", "to_ns"]


def to_ns(when: datetime | int | float | None) -> int:
    """Nanoseconds since the epoch from a datetime (naive means UTC), epoch ns, or None (now)."""
    if when is None:
        return now_ns()
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        delta = when - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    return int(when)


def create_bar_event(
    symbol: str,
    timestamp: datetime | int | None,
    open: float,
    high: float,
    low: float,
    close: float,
    volume: float = 0.0,
    interval: str = "",
) -> Bar:
    """A :class:`Bar` from the seed's positional form (a datetime or epoch ns timestamp)."""
    return Bar(
        ts_event_ns=to_ns(timestamp),
        instrument=symbol,
        open=float(open),
        high=float(high),
        low=float(low),
        close=float(close),
        volume=float(volume),
        interval=interval,
    )


def create_signal_event(
    side: Side | str,
    price: float,
    symbol: str,
    strategy_name: str = "",
    quantity: float = 1.0,
    confidence: float = 1.0,
    timestamp: datetime | int | None = None,
) -> Signal:
    """A :class:`Signal` from the seed's positional form: side, price, symbol, strategy."""
    return Signal(
        ts_event_ns=to_ns(timestamp),
        instrument=symbol,
        side=Side(side),
        trigger_price=float(price),
        quantity=float(quantity),
        strategy_name=strategy_name,
        confidence=confidence,
    )
