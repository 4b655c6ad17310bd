# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Support and resistance levels from confirmed pivot highs and lows."""

from __future__ import annotations

import math
from collections import deque
from typing import SupportsFloat, SupportsIndex

from tickwire.strategy.indicators._validate import check_non_negative, check_period

__all__ = ["Level", "SupportResistance"]


class Level:
    """A price level: the mean of the pivots merged into it and how often it was touched."""

    __slots__ = ("last_index", "price", "touches")

    def __init__(self, price: float, index: int) -> None:
        self.price = price
        self.touches = 1
        self.last_index = index

    def __repr__(self) -> str:
        return f"Level(price={self.price!r}, touches={self.touches}, last_index={self.last_index})"


class SupportResistance:
    """Detects support/resistance levels from pivot highs and lows.

    A bar is a pivot high when its high is strictly above the ``width`` bars before it
    and not below the ``width`` bars after it (so a flat top yields one pivot, its first
    bar); pivot lows mirror this. A pivot is confirmed ``width`` bars after it happens.
    A confirmed pivot within ``tolerance`` (a fraction of the level price) of a known
    level is a touch of that level, which moves to the mean of its touches; otherwise it
    starts a new level. At most ``max_levels`` are kept, dropping the least recently
    touched. A level below the price acts as support and one above as resistance, so a
    broken level changes role. ``ready`` once a level is known; ``value`` is the price of
    the level the latest confirmed pivot touched (NaN before ``ready``).
    """

    __slots__ = (
        "_count",
        "_hi_idx",
        "_hi_vals",
        "_lo_idx",
        "_lo_vals",
        "_span",
        "levels",
        "max_levels",
        "ready",
        "tolerance",
        "value",
        "width",
    )

    def __init__(
        self,
        width: SupportsIndex = 5,
        tolerance: SupportsFloat = 0.002,
        max_levels: SupportsIndex = 20,
    ) -> None:
        self.width = check_period("SupportResistance", "width", width)
        self.tolerance = check_non_negative("SupportResistance", "tolerance", tolerance)
        self.max_levels = check_period("SupportResistance", "max_levels", max_levels)
        self._span = 2 * self.width + 1
        self._hi_idx: deque[int] = deque()
        self._hi_vals: deque[float] = deque()
        self._lo_idx: deque[int] = deque()
        self._lo_vals: deque[float] = deque()
        self._count = 0
        self.levels: list[Level] = []
        self.ready = False
        self.value = math.nan

    def update(self, high: float, low: float) -> float:
        """Add one bar; return ``value`` (the level of the latest pivot, NaN before any)."""
        n = self._count
        self._count = n + 1
        oldest = n - self._span
        # Monotonic deques over the last 2*width+1 bars; ties keep the earliest bar at the
        # front, which is what makes the front the pivot candidate.
        idx, vals = self._hi_idx, self._hi_vals
        while vals and vals[-1] < high:
            vals.pop()
            idx.pop()
        vals.append(high)
        idx.append(n)
        if idx[0] <= oldest:
            idx.popleft()
            vals.popleft()
        lidx, lvals = self._lo_idx, self._lo_vals
        while lvals and lvals[-1] > low:
            lvals.pop()
            lidx.pop()
        lvals.append(low)
        lidx.append(n)
        if lidx[0] <= oldest:
            lidx.popleft()
            lvals.popleft()
        center = n - self.width
        if center >= self.width:
            if idx[0] == center:
                self._touch(vals[0], center)
            if lidx[0] == center:
                self._touch(lvals[0], center)
        return self.value

    def _touch(self, price: float, index: int) -> None:
        best: Level | None = None
        best_distance = 0.0
        for level in self.levels:
            distance = abs(level.price - price)
            if distance <= self.tolerance * abs(level.price) and (
                best is None or distance < best_distance
            ):
                best, best_distance = level, distance
        if best is not None:
            best.price += (price - best.price) / (best.touches + 1)
            best.touches += 1
            best.last_index = index
            self.value = best.price
            return
        if len(self.levels) >= self.max_levels:
            stalest = min(self.levels, key=lambda lv: lv.last_index)
            self.levels.remove(stalest)
        self.levels.append(Level(price, index))
        self.value = price
        self.ready = True

    def support(self, price: float, min_touches: int = 1) -> float | None:
        """The highest level strictly below ``price`` touched ``min_touches`` times, or None."""
        found: float | None = None
        for level in self.levels:
            p = level.price
            if p < price and level.touches >= min_touches and (found is None or p > found):
                found = p
        return found

    def resistance(self, price: float, min_touches: int = 1) -> float | None:
        """The lowest level strictly above ``price`` touched ``min_touches`` times, or None."""
        found: float | None = None
        for level in self.levels:
            p = level.price
            if p > price and level.touches >= min_touches and (found is None or p < found):
                found = p
        return found
