# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Momentum oscillators: Wilder's relative strength index."""

from __future__ import annotations

from typing import SupportsIndex

from tickwire.strategy.indicators._validate import check_period

__all__ = ["RSI"]


def _rsi(avg_gain: float, avg_loss: float) -> float:
    if avg_loss == 0.0:
        # No losses: all-up is 100; no movement at all is neutral.
        return 100.0 if avg_gain > 0.0 else 50.0
    return 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)


class RSI:
    """Relative strength index (Wilder), in [0, 100].

    The average gain and loss are seeded with the plain mean of the first ``period``
    price changes, then smoothed as ``avg = (avg * (period - 1) + change) / period``.
    ``ready`` after ``period + 1`` prices (``period`` changes). Before that the value is
    the RSI of the changes seen so far, and 50.0 until there is a change.
    """

    __slots__ = ("_avg_gain", "_avg_loss", "_count", "_prev", "period", "ready", "value")

    def __init__(self, period: SupportsIndex) -> None:
        self.period = check_period("RSI", "period", period)
        self._count = 0
        self._prev = 0.0
        self._avg_gain = 0.0
        self._avg_loss = 0.0
        self.ready = False
        self.value = 50.0

    def update(self, price: float) -> float:
        """Add one price and return the new RSI."""
        change = price - self._prev
        self._prev = price
        gain = change if change > 0.0 else 0.0
        loss = -change if change < 0.0 else 0.0
        if self.ready:
            n = self.period
            self._avg_gain = (self._avg_gain * (n - 1) + gain) / n
            self._avg_loss = (self._avg_loss * (n - 1) + loss) / n
            self.value = value = _rsi(self._avg_gain, self._avg_loss)
            return value
        self._count += 1
        if self._count == 1:
            return self.value
        # While warming up, _avg_* hold running sums of the changes.
        self._avg_gain += gain
        self._avg_loss += loss
        if self._count == self.period + 1:
            self.ready = True
            self._avg_gain /= self.period
            self._avg_loss /= self.period
        self.value = value = _rsi(self._avg_gain, self._avg_loss)
        return value
