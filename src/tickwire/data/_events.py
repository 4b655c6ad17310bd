"""Chunks to events: one ``Bar``/``Tick`` per row, built as cheaply as Python allows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tickwire.data.chunks import BarChunk, TickChunk
from tickwire.events import Bar, Tick, now_ns

__all__ = ["bars_from_chunks", "ticks_from_chunks"]


def bars_from_chunks(chunks: Iterable[BarChunk], interval: str = "") -> Iterator[Bar]:
    """One ``Bar`` per row of each chunk, in row order."""
    for chunk in chunks:
        # One clock read per chunk, not per bar: the bars of a chunk are made together.
        created = now_ns()
        for ts, o, h, lo, c, v, name in zip(
            chunk.ts.tolist(),
            chunk.open.tolist(),
            chunk.high.tolist(),
            chunk.low.tolist(),
            chunk.close.tolist(),
            chunk.volume.tolist(),
            chunk.instrument.tolist(),
            strict=True,
        ):
            yield Bar(
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


def ticks_from_chunks(chunks: Iterable[TickChunk]) -> Iterator[Tick]:
    """One ``Tick`` per row of each chunk, in row order."""
    for chunk in chunks:
        created = now_ns()
        for ts, bid, ask, bid_size, ask_size, name in zip(
            chunk.ts.tolist(),
            chunk.bid.tolist(),
            chunk.ask.tolist(),
            chunk.bid_size.tolist(),
            chunk.ask_size.tolist(),
            chunk.instrument.tolist(),
            strict=True,
        ):
            yield Tick(
                ts_event_ns=ts,
                ts_created_ns=created,
                instrument=name,
                bid=bid,
                ask=ask,
                bid_size=bid_size,
                ask_size=ask_size,
            )
