"""Merge time-ordered chunk streams into one, breaking ties by stream order, then row order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

import numpy as np

from tickwire.data.chunks import Chunk

__all__ = ["merge_chunks"]

C = TypeVar("C", bound=Chunk)


def merge_chunks(streams: Sequence[Iterator[C]]) -> Iterator[C]:
    """Chunks of all ``streams`` (each non-decreasing in ``ts``) as one non-decreasing stream.

    Rows with equal timestamps come out in the order of the streams given, and within one
    stream in their original order. Only rows strictly before the earliest "last buffered
    timestamp" of the streams not yet exhausted are emitted, since any of those streams may
    still hold more rows at that very timestamp.
    """
    if len(streams) == 1:
        yield from streams[0]
        return
    buffers: list[C | None] = [None] * len(streams)
    live = [True] * len(streams)

    def refill(i: int) -> None:
        for chunk in streams[i]:
            if len(chunk):
                held = buffers[i]
                buffers[i] = chunk if held is None else type(chunk).concat([held, chunk])
                return
        live[i] = False

    for i in range(len(streams)):
        refill(i)
    while True:
        limits = [(int(b.ts[-1]), i) for i, b in enumerate(buffers) if live[i] and b is not None]
        horizon, limiter = min(limits) if limits else (None, -1)
        parts = []
        for i, held in enumerate(buffers):
            if held is None:
                continue
            cut = len(held) if horizon is None else int(np.searchsorted(held.ts, horizon, "left"))
            if cut:
                parts.append(held.take(slice(0, cut)))
                buffers[i] = held.take(slice(cut, None)) if cut < len(held) else None
        if parts:
            yield _ordered(parts)
        elif horizon is None:
            return
        else:
            # Everything buffered sits at the horizon: the limiting stream must say what follows.
            refill(limiter)
        for i, held in enumerate(buffers):
            if live[i] and held is None:
                refill(i)


def _ordered(parts: list[C]) -> C:
    """One chunk of ``parts`` sorted by time; the stable sort keeps stream and row order."""
    merged = type(parts[0]).concat(parts)
    if len(parts) == 1:
        return merged
    return merged.take(np.argsort(merged.ts, kind="stable"))
