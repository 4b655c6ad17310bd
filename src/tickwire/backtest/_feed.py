# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The backtest's per-event code, compiled: the bar loops and the order tracker.

Each bar reaches the bus by a direct native call (an interpreted loop pays for a
bound-method call per bar), and order updates are tracked without an interpreted frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from tickwire._floats import is_finite
from tickwire.bus import EventBus
from tickwire.events import Bar, OrderUpdate, market_data_problem

__all__ = ["LatestUpdates", "feed", "feed_checked", "plainly_valid"]

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

Reject = Callable[[Any, int, str], None]
"""Told of each event that breaks the market-data rules: (event, 1-based position, why)."""


def feed(bus: EventBus, bars: Iterable[Bar], *, staged: bool = False) -> None:
    """Publish every bar in order; ``staged`` uses ``publish_staged`` (threaded mode).

    For sources that already applied the market-data rules; others go through
    :func:`feed_checked`.
    """
    if staged:
        for bar in bars:
            bus.publish_staged(bar)
    else:
        for bar in bars:
            bus.publish(bar)


def feed_checked(
    bus: EventBus,
    events: Iterable[Any],
    reject: Reject,
    *,
    staged: bool = False,
    allow_nonpositive_prices: bool = False,
) -> None:
    """Publish, in order, every event that obeys ``market_data_problem``; hand each
    other one to ``reject`` instead."""
    position = 0
    for event in events:
        position += 1
        if not plainly_valid(event, allow_nonpositive_prices):
            problem = market_data_problem(event, allow_nonpositive_prices=allow_nonpositive_prices)
            if problem is not None:
                reject(event, position, problem)
                continue
        if staged:
            bus.publish_staged(event)
        else:
            bus.publish(event)


def plainly_valid(event: Any, allow_nonpositive_prices: bool) -> bool:
    """True only for a :class:`Bar` of plain floats that ``market_data_problem`` accepts.

    A compiled shortcut for the common case (about a tenth of the interpreted check's
    cost); anything it does not vouch for, such as int prices or other event types, is
    judged by ``market_data_problem`` itself. ``tests/backtest/test_feed.py`` checks
    that it never vouches for an event the rules refuse.
    """
    if type(event) is not Bar:
        return False
    fields: Any = event  # untyped reads: a field of the wrong type is a False, not a raise
    ts = fields.ts_event_ns
    instrument = fields.instrument
    open_ = fields.open
    high = fields.high
    low = fields.low
    close = fields.close
    volume = fields.volume
    if not (
        type(ts) is int
        and type(instrument) is str
        and type(open_) is float
        and type(high) is float
        and type(low) is float
        and type(close) is float
        and type(volume) is float
    ):
        return False
    return _plain_bar_valid(
        ts, instrument, open_, high, low, close, volume, allow_nonpositive_prices
    )


def _plain_bar_valid(
    ts: int,
    instrument: str,
    open_: float,
    high: float,
    low: float,
    close: float,
    volume: float,
    allow_nonpositive: bool,
) -> bool:
    return (
        _INT64_MIN <= ts <= _INT64_MAX
        and instrument != ""
        and not instrument.isspace()
        and is_finite(low)
        and is_finite(high)
        and low <= open_ <= high
        and low <= close <= high
        and (allow_nonpositive or low > 0.0)
        and is_finite(volume)
        and volume >= 0.0
    )


class LatestUpdates:
    """Each order's latest lifecycle event, in order of first appearance: all a result
    needs, at a sixth of the memory of keeping every update."""

    def __init__(self) -> None:
        self.by_order: dict[str, OrderUpdate] = {}

    def record(self, update: OrderUpdate) -> None:
        """Keep ``update`` as its order's latest."""
        self.by_order[update.order_id] = update
