# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Volatility indicators: Wilder's average true range and Bollinger bands."""

from __future__ import annotations

import math
from typing import SupportsFloat, SupportsIndex

from tickwire.strategy.indicators._validate import check_non_negative, check_period

__all__ = ["ATR", "BollingerBands"]

_CANCELLATION = 1e-6
"""Bollinger bands recompute exactly when their sum of squares drops below this fraction
of its peak: what remains is then small enough for rounding to matter."""


class ATR:
    """Average true range (Wilder).

    The true range of a bar is ``max(high - low, |high - prev_close|, |low - prev_close|)``;
    the first bar has no previous close, so its true range is ``high - low``. The average
    is seeded with the mean of the first ``period`` true ranges, then smoothed as
    ``atr = (atr * (period - 1) + tr) / period``. ``ready`` after ``period`` bars; before
    that the value is the mean of the true ranges seen so far.
    """

    __slots__ = ("_count", "_prev_close", "_sum", "period", "ready", "value")

    def __init__(self, period: SupportsIndex) -> None:
        self.period = check_period("ATR", "period", period)
        self._count = 0
        self._prev_close = math.nan
        self._sum = 0.0
        self.ready = False
        self.value = 0.0

    def update(self, high: float, low: float, close: float) -> float:
        """Add one bar and return the new ATR."""
        tr = high - low
        prev = self._prev_close
        self._prev_close = close
        if self._count:
            up = high - prev if high > prev else prev - high
            down = low - prev if low > prev else prev - low
            if up > tr:
                tr = up
            if down > tr:
                tr = down
        if self.ready:
            n = self.period
            self.value = value = (self.value * (n - 1) + tr) / n
            return value
        self._count += 1
        self._sum += tr
        self.value = value = self._sum / self._count
        self.ready = self._count == self.period
        return value


class BollingerBands:
    """Bollinger bands: the ``period`` SMA plus/minus ``k`` population standard deviations.

    The mean and the sum of squared deviations slide in O(1) (a Welford-style update,
    which stays accurate when the spread is tiny next to the price level) and are
    recomputed exactly each time the window wraps, so drift never outlives one window,
    and whenever the sum of squares falls a millionfold below its peak (a large value
    left the window), where the rounding left over from that value would dominate.
    ``value`` is the middle band. Before ``ready`` (``period`` values) the bands cover the
    values seen so far.
    """

    __slots__ = (
        "_buf",
        "_count",
        "_index",
        "_m2",
        "_peak",
        "k",
        "lower",
        "middle",
        "period",
        "ready",
        "std",
        "upper",
        "value",
    )

    def __init__(self, period: SupportsIndex, k: SupportsFloat = 2.0) -> None:
        self.period = check_period("BollingerBands", "period", period)
        self.k = check_non_negative("BollingerBands", "k", k)
        self._buf: list[float] = [0.0] * self.period
        self._index = 0
        self._count = 0
        self._m2 = 0.0
        self._peak = 0.0  # the largest sum of squares since the last exact recompute
        self.ready = False
        self.value = self.middle = self.upper = self.lower = self.std = 0.0

    def update(self, x: float) -> float:
        """Add one value and return the new middle band (``upper``/``lower`` move too)."""
        buf = self._buf
        i = self._index
        mean = self.middle
        if self.ready:
            old = buf[i]
            new_mean = mean + (x - old) / self.period
            self._m2 += (x - old) * (x - new_mean + old - mean)
            n = self.period
        else:
            self._count = n = self._count + 1
            new_mean = mean + (x - mean) / n
            self._m2 += (x - mean) * (x - new_mean)
        buf[i] = x
        i += 1
        if i == self.period:
            i = 0
            self.ready = True
            new_mean, self._m2 = _mean_and_m2(buf)
            self._peak = self._m2
        elif self._m2 > self._peak:
            self._peak = self._m2
        elif self._m2 < self._peak * _CANCELLATION:
            new_mean, self._m2 = _mean_and_m2(buf if self.ready else buf[:n])
            self._peak = self._m2
        self._index = i
        m2 = self._m2
        # Rounding can leave a tiny negative sum of squares when all values are equal.
        std = math.sqrt(m2 / n) if m2 > 0.0 else 0.0
        width = self.k * std
        self.std = std
        self.value = self.middle = new_mean
        self.upper = new_mean + width
        self.lower = new_mean - width
        return new_mean


def _mean_and_m2(values: list[float]) -> tuple[float, float]:
    """The exact mean and sum of squared deviations of ``values``."""
    mean = math.fsum(values) / len(values)
    return mean, math.fsum([(v - mean) * (v - mean) for v in values])
