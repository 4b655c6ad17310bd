# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Rolling maximum and minimum over a window, amortised O(1) with monotonic deques."""

from __future__ import annotations

from collections import deque
from typing import SupportsIndex

from tickwire.strategy.indicators._validate import check_period

__all__ = ["RollingHigh", "RollingLow"]


class _RollingExtreme:
    """The window state both extremes share; each keeps its own inlined ``update``."""

    __slots__ = ("_count", "_idx", "_vals", "period", "ready", "value")

    def __init__(self, period: SupportsIndex) -> None:
        self.period = check_period(type(self).__name__, "period", period)
        self._idx: deque[int] = deque()
        self._vals: deque[float] = deque()
        self._count = 0
        self.ready = False
        self.value = 0.0


class RollingHigh(_RollingExtreme):
    """The highest of the last ``period`` values.

    A deque keeps (index, value) pairs with strictly decreasing values, so the front is
    the window maximum and each value enters and leaves once (amortised O(1)).
    ``ready`` after ``period`` values; before that the value is the maximum so far.
    """

    __slots__ = ()

    def update(self, x: float) -> float:
        """Add one value and return the window maximum."""
        idx = self._idx
        vals = self._vals
        while vals and vals[-1] <= x:
            vals.pop()
            idx.pop()
        n = self._count
        vals.append(x)
        idx.append(n)
        if idx[0] <= n - self.period:
            idx.popleft()
            vals.popleft()
        self._count = n + 1
        if not self.ready:
            self.ready = n + 1 >= self.period
        self.value = value = vals[0]
        return value


class RollingLow(_RollingExtreme):
    """The lowest of the last ``period`` values (see :class:`RollingHigh`)."""

    __slots__ = ()

    def update(self, x: float) -> float:
        """Add one value and return the window minimum."""
        idx = self._idx
        vals = self._vals
        while vals and vals[-1] >= x:
            vals.pop()
            idx.pop()
        n = self._count
        vals.append(x)
        idx.append(n)
        if idx[0] <= n - self.period:
            idx.popleft()
            vals.popleft()
        self._count = n + 1
        if not self.ready:
            self.ready = n + 1 >= self.period
        self.value = value = vals[0]
        return value
