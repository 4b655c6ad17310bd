"""Seeded random-walk OHLCV bars, generated lazily in fixed-size numpy chunks.

Each random quantity (returns, wicks, volumes, gaps) has its own child stream of the seed
and draws one array per chunk, and chunks have a fixed size, so the same parameters always
give the same bars and a shorter run is an exact prefix of a longer one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import datetime

import numpy as np

from tickwire.data._events import bars_from_chunks
from tickwire.data.chunks import BarChunk, repeated_name
from tickwire.events import Bar, to_ns

__all__ = ["SYNTHETIC_CHUNK", "SyntheticBars", "parse_interval", "synthetic_bars"]

SYNTHETIC_CHUNK = 16_384
"""Bars per generated chunk (fixed: the chunk size is part of what the seed reproduces)."""

_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}
_INTERVAL = re.compile(r"^(\d+)(ns|us|ms|s|m|h|d|w)$")


def parse_interval(interval: str) -> int:
    """Nanoseconds in an interval such as ``"500ms"``, ``"1m"``, ``"4h"`` or ``"1d"``."""
    match = _INTERVAL.match(interval.strip())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"interval must look like '1s', '5m', '1h' or '1d', not {interval!r}")
    return int(match.group(1)) * _UNIT_NS[match.group(2)]


class SyntheticBars:
    """``n`` seeded random-walk bars: iterate for ``Bar`` events, or use ``chunks()``."""

    def __init__(
        self,
        n: int,
        *,
        seed: int = 0,
        instrument: str = "SYNTH",
        start: datetime | str | int = "2020-01-01T00:00:00",
        interval: str = "1m",
        start_price: float = 100.0,
        volatility: float = 0.001,
        gap_probability: float = 0.0,
        gap_volatility: float = 0.01,
        volume: float = 1_000.0,
        decimals: int | None = None,
    ) -> None:
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        if not (start_price > 0 and math.isfinite(start_price)):
            raise ValueError(f"start_price must be positive, not {start_price}")
        if not 0.0 <= gap_probability <= 1.0:
            raise ValueError(f"gap_probability must be within [0, 1], not {gap_probability}")
        if volatility < 0 or gap_volatility < 0 or volume < 0:
            raise ValueError("volatility, gap_volatility and volume must be >= 0")
        self.n = n
        self.seed = seed
        self.instrument = instrument
        self.start_ns = to_ns(datetime.fromisoformat(start) if isinstance(start, str) else start)
        self.interval = interval
        self.step_ns = parse_interval(interval)
        self.start_price = start_price
        self.volatility = volatility
        self.gap_probability = gap_probability
        self.gap_volatility = gap_volatility
        self.volume = volume
        self.decimals = decimals

    def __len__(self) -> int:
        return self.n

    @property
    def instruments(self) -> tuple[str, ...]:
        """The instruments the bars are for (one), known before generating any."""
        return (self.instrument,)

    def __iter__(self) -> Iterator[Bar]:
        return bars_from_chunks(self.chunks(), self.interval)

    def chunks(self) -> Iterator[BarChunk]:
        """The bars as columnar chunks of :data:`SYNTHETIC_CHUNK` rows (the last may be shorter)."""
        returns, highs, lows, volumes, gap_when, gap_size = (
            np.random.default_rng(s) for s in np.random.SeedSequence(self.seed).spawn(6)
        )
        names = repeated_name(self.instrument, SYNTHETIC_CHUNK)
        log_close = math.log(self.start_price)
        for first in range(0, self.n, SYNTHETIC_CHUNK):
            rows = min(SYNTHETIC_CHUNK, self.n - first)
            body = self.volatility * returns.standard_normal(rows)
            jump = np.zeros(rows)
            if self.gap_probability > 0:
                gapped = gap_when.random(rows) < self.gap_probability
                jump = np.where(gapped, self.gap_volatility * gap_size.standard_normal(rows), 0.0)
            if first == 0:
                jump[0] = 0.0  # The first bar opens at start_price.
            closes_log = log_close + np.cumsum(jump + body)
            log_close = float(closes_log[-1])
            close = np.exp(closes_log)
            open_ = np.exp(closes_log - body)
            wick = 0.5 * self.volatility
            high = np.maximum(open_, close) * np.exp(wick * np.abs(highs.standard_normal(rows)))
            low = np.minimum(open_, close) * np.exp(-wick * np.abs(lows.standard_normal(rows)))
            volume = self.volume * volumes.lognormal(0.0, 0.5, rows)
            if self.decimals is not None:
                # Rounding is monotonic, so low <= open, close <= high still holds afterwards.
                open_, high, low, close = (
                    np.round(a, self.decimals) for a in (open_, high, low, close)
                )
                volume = np.round(volume)
            ts = self.start_ns + self.step_ns * np.arange(first, first + rows, dtype=np.int64)
            yield BarChunk(ts, open_, high, low, close, volume, names[:rows])


def synthetic_bars(
    n: int,
    *,
    seed: int = 0,
    instrument: str = "SYNTH",
    start: datetime | str | int = "2020-01-01T00:00:00",
    interval: str = "1m",
    start_price: float = 100.0,
    volatility: float = 0.001,
    gap_probability: float = 0.0,
    gap_volatility: float = 0.01,
    volume: float = 1_000.0,
    decimals: int | None = None,
) -> SyntheticBars:
    """``n`` random-walk OHLCV bars, lazily; the same arguments always give the same bars.

    Log prices follow a Gaussian random walk with ``volatility`` per bar; each bar opens at
    the previous close unless, with ``gap_probability``, it opens with a Gaussian jump of
    ``gap_volatility``. ``start`` (datetime, ISO text or epoch ns; naive means UTC) is the
    first bar's time and ``interval`` (``"1m"``, ``"1h"``, ...) the spacing. Volumes are
    log-normal around ``volume``. ``decimals`` rounds prices (and volumes to integers).
    """
    return SyntheticBars(
        n,
        seed=seed,
        instrument=instrument,
        start=start,
        interval=interval,
        start_price=start_price,
        volatility=volatility,
        gap_probability=gap_probability,
        gap_volatility=gap_volatility,
        volume=volume,
        decimals=decimals,
    )
