# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Bar taps: how a source of bars tells a consumer of a bus's bars (the recorder) which
columnar chunk each published bar came from, without either importing the other.

A chunked source (``tickwire.data``) hands each chunk to the tap registered for the run's
bus before its bars are made, and notes each bar in the tap's :class:`BarMarks` as it
makes it; the recorder (``tickwire.persistence``) registers itself when attached. Here,
below both, so that neither layer imports the other.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["BarMarks", "ChunkTap", "chunk_tap", "remove_chunk_tap", "set_chunk_tap"]


class BarMarks:
    """Where a source says which bar it made last and how many so far: two attribute
    stores a bar, which compiled code makes without a call."""

    def __init__(self) -> None:
        self.last: object = None
        """The bar made last (a consumer may reset it to anything else once seen)."""
        self.made = 0
        """Bars made so far: the last one is chunk row ``made - 1`` of the whole stream."""


class ChunkTap(Protocol):
    """Receives a run's bar chunks, then (in :attr:`marks`) each bar made from them."""

    @property
    def marks(self) -> BarMarks:
        """Where the source notes each bar it makes, just before it is published."""
        ...

    def chunk(self, chunk: Any, created: Any, interval: str) -> None:
        """``chunk`` (a ``tickwire.data.BarChunk``) is next; its bars have this
        ``ts_created_ns`` and ``interval``."""
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
