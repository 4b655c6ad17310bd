# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Moving averages: simple (windowed mean) and exponential."""

from __future__ import annotations

import math
from typing import SupportsIndex

from tickwire.strategy.indicators._validate import check_period

__all__ = ["EMA", "SMA"]


class SMA:
    """Simple moving average of the last ``period`` values, O(1) per update.

    A running sum keeps the update O(1); it is recomputed exactly (``math.fsum``) each
    time the ring buffer wraps, so rounding drift never outlives one window.
    Before ``ready`` the value is the mean of the values seen so far.
    """

    __slots__ = ("_buf", "_count", "_index", "_sum", "period", "ready", "value")

    def __init__(self, period: SupportsIndex) -> None:
        self.period = check_period("SMA", "period", period)
        self._buf: list[float] = [0.0] * self.period
        self._index = 0
        self._count = 0
        self._sum = 0.0
        self.ready = False
        self.value = 0.0

    def update(self, x: float) -> float:
        """Add one value and return the new mean (the partial mean before ``ready``)."""
        buf = self._buf
        i = self._index
        self._sum += x - buf[i]
        buf[i] = x
        i += 1
        if i == self.period:
            i = 0
            self._sum = math.fsum(buf)
        self._index = i
        if self.ready:
            self.value = value = self._sum / self.period
            return value
        self._count += 1
        # The buffer wraps (and the sum is recomputed) on the same update that fills it.
        self.ready = self._count == self.period
        self.value = value = self._sum / self._count
        return value


class EMA:
    """Exponential moving average with ``alpha = 2 / (period + 1)``.

    The state is seeded with the first value and then updated on every value, the first
    included, as ``e = alpha * x + (1 - alpha) * e`` in exactly that operand order (a
    reference strategy compares trades one for one with backtrader, so the float results
    must match bit for bit). ``ready`` after ``period`` values; before that the value is
    the running average computed so far.
    """

    __slots__ = ("_alpha", "_beta", "_count", "period", "ready", "value")

    def __init__(self, period: SupportsIndex) -> None:
        self.period = check_period("EMA", "period", period)
        self._alpha = 2.0 / (self.period + 1)
        self._beta = 1.0 - self._alpha
        self._count = 0
        self.ready = False
        self.value = 0.0

    def update(self, x: float) -> float:
        """Add one value and return the new average."""
        if self.ready:
            self.value = value = self._alpha * x + self._beta * self.value
            return value
        if self._count == 0:
            self.value = x
        self._count += 1
        self.ready = self._count == self.period
        self.value = value = self._alpha * x + self._beta * self.value
        return value
