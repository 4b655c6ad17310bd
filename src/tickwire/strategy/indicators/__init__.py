"""Incremental indicators: O(1) (or amortised O(1)) ``update``, a ``ready`` flag, a ``value``.

Each indicator is a small slotted object fed one value (or one bar) at a time::

    ema = EMA(20)
    for close in closes:
        ema.update(close)
        if ema.ready:
            ...

``ready`` and ``value`` are plain attributes, so reading them on every bar is cheap.
Periods are positive ints (numpy ints too); anything else raises ConfigError, a ValueError.
"""

from tickwire.strategy.indicators.extremes import RollingHigh, RollingLow
from tickwire.strategy.indicators.levels import Level, SupportResistance
from tickwire.strategy.indicators.moving import EMA, SMA
from tickwire.strategy.indicators.oscillators import RSI
from tickwire.strategy.indicators.volatility import ATR, BollingerBands

__all__ = [
    "ATR",
    "EMA",
    "RSI",
    "SMA",
    "BollingerBands",
    "Level",
    "RollingHigh",
    "RollingLow",
    "SupportResistance",
]
