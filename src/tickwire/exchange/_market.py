"""The market the exchange replays: bar and quote files merged in time order.

Files are read with :mod:`tickwire.data`'s readers (so every market-data rule applies
and a bad row stops the exchange before it starts, naming file, line and column). A
file whose header has ``bid`` is quotes, any other bars. One pass at start finds the
instruments and the bar interval (the smallest step between two bars of one
instrument), which Binance klines need.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tickwire._exceptions import ConfigError
from tickwire.data import read_bars, read_ticks
from tickwire.events import Bar, Tick

__all__ = ["MarketData", "interval_label", "load_market_data"]

MarketEvent = Bar | Tick

_NS_PER_MS = 1_000_000
_UNITS = (("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000))


@dataclass(frozen=True)
class MarketData:
    """What the exchange replays: re-iterable, with what one pass over it found."""

    bar_paths: tuple[str, ...]
    tick_paths: tuple[str, ...]
    instruments: tuple[str, ...]
    """Every instrument, in order of first appearance."""
    interval: str
    """The bars' interval as Binance names it ("1m", "1d"); "" without bars."""
    events: int
    """How many bars and quotes there are in all."""

    def __iter__(self) -> Iterator[MarketEvent]:
        """Bars and quotes in time order (bars first at equal times, then path order)."""
        streams: list[Iterator[MarketEvent]] = []
        if self.bar_paths:
            streams.append(iter(read_bars(list(self.bar_paths))))
        if self.tick_paths:
            streams.append(iter(read_ticks(list(self.tick_paths))))
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=_time)


def _time(event: MarketEvent) -> int:
    return event.ts_event_ns


def load_market_data(paths: Sequence[str | Path]) -> MarketData:
    """Classify ``paths`` as bars or quotes and read them once (see the module)."""
    if not paths:
        raise ConfigError("--data: no files given")
    bar_paths: list[str] = []
    tick_paths: list[str] = []
    for path in paths:
        name = str(path)
        if not Path(name).is_file():
            raise ConfigError(f"--data {name}: no such file")
        (tick_paths if "bid" in _columns(name) else bar_paths).append(name)
    unscanned = MarketData(tuple(bar_paths), tuple(tick_paths), (), "", 0)
    instruments: dict[str, None] = {}
    last_bar: dict[str, int] = {}
    step = 0
    count = 0
    for event in unscanned:
        count += 1
        instrument = event.instrument
        instruments[instrument] = None
        if type(event) is Bar:
            previous = last_bar.get(instrument)
            if previous is not None and event.ts_event_ns > previous:
                gap = event.ts_event_ns - previous
                step = gap if step == 0 else min(step, gap)
            last_bar[instrument] = event.ts_event_ns
    if count == 0:
        raise ConfigError(f"--data {', '.join(map(str, paths))}: no bars or quotes in the files")
    return MarketData(
        tuple(bar_paths),
        tuple(tick_paths),
        tuple(instruments),
        interval_label(step) if bar_paths else "",
        count,
    )


def interval_label(step_ns: int) -> str:
    """A bar interval in Binance's notation ("1m", "4h", "1d"); whole milliseconds or
    "" when there is no step (one bar per instrument)."""
    millis = step_ns // _NS_PER_MS
    if millis <= 0:
        return ""
    for unit, size in _UNITS:
        if millis % size == 0:
            return f"{millis // size}{unit}"
    return f"{millis}ms"


def _columns(path: str) -> list[str]:
    """A data file's column names, lower case (the readers match them that way)."""
    if path.lower().endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # loads pyarrow

        try:
            return [str(name).strip().lower() for name in pq.read_schema(path).names]
        except Exception:
            return []  # not Parquet: the reader says how when the file is read
    with open(path, "rb") as f:
        header = next(itertools.chain(f, [b""]))
    text = header.decode("utf-8", "replace")
    return [name.strip().strip('"').strip().lower() for name in text.split(",")]
