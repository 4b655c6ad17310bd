# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The backtest's per-event code, compiled: the bar loops and the order tracker.

Each bar reaches the bus by a direct native call (an interpreted loop pays for a
bound-method call per bar), and order updates are tracked without an interpreted frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

import msgspec

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


def _field(name: str) -> int:
    return Bar.__struct_fields__.index(name)


# The shortcut reads a bar with one ``astuple`` call (a field read from compiled code is
# a generic attribute lookup, about 150 machine instructions each); the positions come
# from the struct's own field list. ``Final`` names are C statics, where a module-level
# name would be a dict lookup per use.
_astuple: Final = msgspec.structs.astuple
_BAR: Final = Bar
_TS: Final = _field("ts_event_ns")
_INSTRUMENT: Final = _field("instrument")
_OPEN: Final = _field("open")
_HIGH: Final = _field("high")
_LOW: Final = _field("low")
_CLOSE: Final = _field("close")
_VOLUME: Final = _field("volume")
_SHORT_INT: Final = 2**62 - 1
"""Compiled code compares ints up to this size inline; the int64 bounds are beyond it."""


def plainly_valid(event: Any, allow_nonpositive_prices: bool) -> bool:
    """True only for a :class:`Bar` of plain floats that ``market_data_problem`` accepts.

    A compiled shortcut for the common case (a tenth of the interpreted check's cost);
    anything it does not vouch for, such as int prices or other event types, is judged
    by ``market_data_problem`` itself. ``tests/backtest/test_feed.py`` checks that it
    never vouches for an event the rules refuse.
    """
    if type(event) is not _BAR:
        return False
    fields: tuple[Any, ...] = _astuple(event)  # untyped: a wrong type is a False, not a raise
    ts = fields[_TS]
    instrument = fields[_INSTRUMENT]
    open_ = fields[_OPEN]
    high = fields[_HIGH]
    low = fields[_LOW]
    close = fields[_CLOSE]
    volume = fields[_VOLUME]
    if not (
        isinstance(ts, int)
        and not isinstance(ts, bool)
        and isinstance(instrument, str)
        and isinstance(open_, float)
        and isinstance(high, float)
        and isinstance(low, float)
        and isinstance(close, float)
        and isinstance(volume, float)
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
        (-_SHORT_INT <= ts <= _SHORT_INT or _INT64_MIN <= ts <= _INT64_MAX)
        and instrument.strip() != ""
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
