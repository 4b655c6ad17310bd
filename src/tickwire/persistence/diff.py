"""Comparing two recorded runs by their fills: a live session against its backtest
replay, or two backtests. ``tickwire runs diff`` prints what :func:`diff_runs` finds."""

from __future__ import annotations

from dataclasses import dataclass

from tickwire.events import Bar, EventBase, Fill, Tick
from tickwire.persistence.port import EventStore

__all__ = ["Divergence", "RunDiff", "diff_runs"]

_PRICE_TOLERANCE = 1e-9
"""Prices closer than this (relative) are the same price."""


@dataclass(frozen=True)
class Divergence:
    """Where two runs' fills first differ, and why when it can tell."""

    index: int
    """The position (from 0) of the first fill that differs."""
    at_ns: int
    """The time of the earlier of the two fills there."""
    first: Fill | None
    """Run A's fill there (None: A has no more fills)."""
    second: Fill | None
    """Run B's fill there (None: B has no more fills)."""
    reason: str
    """``different price``, ``different quantity``, ``missed fill``, ``extra fill``..."""
    market: EventBase | None
    """The bar or quote of run A (else B) at the time of the first differing fill."""


@dataclass(frozen=True)
class RunDiff:
    """The comparison of two runs' fills."""

    fills: tuple[int, int]
    """How many fills each run has."""
    divergence: Divergence | None
    """None when the fills are the same, one for one."""

    @property
    def identical(self) -> bool:
        return self.divergence is None


def diff_runs(store: EventStore, first: str, second: str) -> RunDiff:
    """Compare the fills of runs ``first`` and ``second`` of ``store`` in order.

    Two fills are the same when their time, instrument, side, quantity, price and
    commission are; order ids are not compared (a venue session's ids hold its session).
    """
    a = [e for e in store.iter_events(first, [Fill]) if isinstance(e, Fill)]
    b = [e for e in store.iter_events(second, [Fill]) if isinstance(e, Fill)]
    for index in range(max(len(a), len(b))):
        fa = a[index] if index < len(a) else None
        fb = b[index] if index < len(b) else None
        reason = _difference(fa, fb)
        if reason:
            at = min(f.ts_event_ns for f in (fa, fb) if f is not None)
            market = _market_at(store, first, at) or _market_at(store, second, at)
            return RunDiff((len(a), len(b)), Divergence(index, at, fa, fb, reason, market))
    return RunDiff((len(a), len(b)), None)


def _difference(a: Fill | None, b: Fill | None) -> str:
    """Why fills ``a`` and ``b`` (of the same position) differ; "" when they do not."""
    if a is None:
        return "extra fill (only in the second run)"
    if b is None:
        return "missed fill (only in the first run)"
    if a.ts_event_ns < b.ts_event_ns:
        return "missed fill (the second run has none at the first run's time)"
    if a.ts_event_ns > b.ts_event_ns:
        return "extra fill (the second run fills where the first has none)"
    if a.instrument != b.instrument or a.side != b.side:
        return "different order (instrument or side)"
    if abs(a.price - b.price) > _PRICE_TOLERANCE * max(abs(a.price), abs(b.price), 1.0):
        return "different price"
    if a.quantity != b.quantity:
        return "different quantity"
    if a.commission != b.commission:
        return "different commission"
    return ""


def _market_at(store: EventStore, run_id: str, ts: int) -> EventBase | None:
    """The last bar or quote of ``run_id`` at or before ``ts``."""
    found: EventBase | None = None
    for event in store.iter_events(run_id, [Bar, Tick]):
        if event.ts_event_ns > ts:
            break
        found = event
    return found
