"""Chunk taps: a consumer of a run's bars (the recorder) gets them as the source's chunks.

A source of bars made from columnar chunks (``read_bars``, ``synthetic_bars``) can hand
each chunk to a tap registered for the run's bus before its bars are made, and note each
bar in the tap's ``BarMarks`` as it is made; the recorder then stores the chunk's columns
instead of encoding every bar. :class:`TappedBars` is what the backtest node iterates: it
looks the tap up when the run starts iterating (the recorder is attached by then) and is
the plain source otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from tickwire.data._events import BarMarks, bars_from_chunks
from tickwire.data.chunks import BarChunk
from tickwire.events import Bar

__all__ = ["ChunkTap", "TappedBars", "chunk_tap", "remove_chunk_tap", "set_chunk_tap"]


class ChunkTap(Protocol):
    """Receives a run's bar chunks, then (in :attr:`marks`) each bar made from them."""

    @property
    def marks(self) -> BarMarks:
        """Where the source notes each bar it makes, just before it is published."""
        ...

    def chunk(self, chunk: BarChunk, created: Any, interval: str) -> None:
        """``chunk`` is next; its bars have this ``ts_created_ns`` and ``interval``."""
        ...


_taps: dict[int, tuple[object, ChunkTap]] = {}
"""By ``id(bus)``: the bus (so a reused id is not mistaken for it) and its tap."""


def set_chunk_tap(bus: object, tap: ChunkTap) -> bool:
    """Register ``tap`` for the bars published on ``bus``; False (nothing done) if the
    bus has a tap already (a second recorder on one bus encodes bars itself)."""
    entry = _taps.get(id(bus))
    if entry is not None and entry[0] is bus:
        return False
    _taps[id(bus)] = (bus, tap)
    return True


def remove_chunk_tap(bus: object, tap: ChunkTap) -> None:
    """Unregister ``tap`` from ``bus`` if it is the one registered."""
    entry = _taps.get(id(bus))
    if entry is not None and entry[0] is bus and entry[1] is tap:
        del _taps[id(bus)]


def chunk_tap(bus: object) -> ChunkTap | None:
    """The tap registered for ``bus``, if any."""
    entry = _taps.get(id(bus))
    return entry[1] if entry is not None and entry[0] is bus else None


class TappedBars:
    """A chunked bar source (with ``chunks()`` and ``interval``) whose bars go through
    the tap of ``bus``, if one is registered when iteration starts."""

    def __init__(self, source: Any, bus: object) -> None:
        self.source = source
        self.bus = bus

    @property
    def instruments(self) -> Any:
        """The source's declared instruments (see ``Node``), if it declares them."""
        return getattr(self.source, "instruments", None)

    def __iter__(self) -> Iterator[Bar]:
        tap = chunk_tap(self.bus)
        if tap is None:
            return iter(self.source)
        return bars_from_chunks(self.source.chunks(), self.source.interval, tap.chunk, tap.marks)
