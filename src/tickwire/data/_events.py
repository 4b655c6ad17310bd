# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Chunks to events: one ``Bar``/``Tick`` per row, built as cheaply as Python allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

import numpy as np

from tickwire.data.chunks import BarChunk, Floats, TickChunk
from tickwire.events import Bar, Tick, now_ns
from tickwire.events._taps import BarMarks

__all__ = ["bars_from_chunks", "ticks_from_chunks"]

ChunkSeen = Callable[[BarChunk, Any, str], None]
"""Told of each chunk before its first bar is made: (chunk, its bars' ``ts_created_ns``,
their ``interval``)."""

ROWS_PER_PASS: Final = 4096
"""Rows handled at a time: the times (and instrument names) of a pass become Python
objects together, and a whole 16k-row chunk's worth of them falls out of the CPU cache
before its events are made (measured ~15% slower when floats were made the same way)."""


def _floats(column: Floats) -> memoryview:
    """The column's values as Python floats, made one at a time while iterating.

    Iterating a memoryview makes each float straight from the buffer, cheaper than
    ``tolist`` building a list of them first (~20 ns a row over four or five columns).
    """
    return np.ascontiguousarray(column, dtype=np.float64).data


def bars_from_chunks(
    chunks: Iterable[BarChunk],
    interval: str = "",
    on_chunk: ChunkSeen | None = None,
    marks: BarMarks | None = None,
) -> Iterator[Bar]:
    """One ``Bar`` per row of each chunk, in row order; ``on_chunk`` and ``marks`` (the
    recorder's chunk tap, see ``tickwire.events._taps``) are told of each chunk and each bar."""
    # Locals: compiled code looks a module global up in a dict on every use, and (typed
    # as a plain callable) passes the clock reading on as the int object it already is;
    # typed as the class, mypyc re-boxes it per bar (+210 instructions a bar, callgrind).
    # The price is that mypy cannot check these keywords: tests/data/test_events.py does.
    make: Callable[..., Bar] = Bar
    for chunk in chunks:
        # One clock read per chunk, not per bar: the bars of a chunk are made together.
        created: object = now_ns()
        if on_chunk is not None:
            on_chunk(chunk, created, interval)
        for start in range(0, len(chunk.ts), ROWS_PER_PASS):
            end = start + ROWS_PER_PASS
            for ts, o, h, lo, c, v, name in zip(
                chunk.ts[start:end].tolist(),
                _floats(chunk.open[start:end]),
                _floats(chunk.high[start:end]),
                _floats(chunk.low[start:end]),
                _floats(chunk.close[start:end]),
                _floats(chunk.volume[start:end]),
                chunk.instrument[start:end].tolist(),
                strict=True,
            ):
                bar = make(
                    ts_event_ns=ts,
                    ts_created_ns=created,
                    instrument=name,
                    open=o,
                    high=h,
                    low=lo,
                    close=c,
                    volume=v,
                    interval=interval,
                )
                if marks is not None:
                    marks.last = bar
                    marks.made += 1
                yield bar


def ticks_from_chunks(chunks: Iterable[TickChunk]) -> Iterator[Tick]:
    """One ``Tick`` per row of each chunk, in row order."""
    make: Callable[..., Tick] = Tick  # as in bars_from_chunks
    for chunk in chunks:
        created: object = now_ns()
        for start in range(0, len(chunk.ts), ROWS_PER_PASS):
            end = start + ROWS_PER_PASS
            for ts, bid, ask, bid_size, ask_size, name in zip(
                chunk.ts[start:end].tolist(),
                _floats(chunk.bid[start:end]),
                _floats(chunk.ask[start:end]),
                _floats(chunk.bid_size[start:end]),
                _floats(chunk.ask_size[start:end]),
                chunk.instrument[start:end].tolist(),
                strict=True,
            ):
                yield make(
                    ts_event_ns=ts,
                    ts_created_ns=created,
                    instrument=name,
                    bid=bid,
                    ask=ask,
                    bid_size=bid_size,
                    ask_size=ask_size,
                )
