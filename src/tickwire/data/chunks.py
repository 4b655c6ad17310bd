"""Columnar blocks of market data: numpy arrays, one per field, for fast consumers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Self

import numpy as np
import numpy.typing as npt

__all__ = ["BarChunk", "Chunk", "TickChunk", "repeated_name"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Objects = npt.NDArray[np.object_]


def repeated_name(name: str, rows: int) -> Objects:
    """An instrument column of ``rows`` references to the one ``name`` object.

    ``np.full(rows, name, dtype=object)`` would store a separate copy of the string in
    every row: more memory, and consumers could not tell rows apart by identity.
    """
    names = np.empty(rows, dtype=object)
    names.fill(name)
    return names


class Chunk:
    """Shared row operations of the chunk types; every field is an equally long array."""

    __slots__ = ()

    ts: Ints

    def __len__(self) -> int:
        return len(self.ts)

    def columns(self) -> tuple[npt.NDArray[Any], ...]:
        """The arrays in field order."""
        return tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    @classmethod
    def from_columns(cls, columns: Sequence[npt.NDArray[Any]]) -> Self:
        """A chunk from its arrays in field order."""
        return cls(*columns)

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_] | slice) -> Self:
        """The rows selected by an index array, a boolean mask or a slice."""
        return type(self)(*(column[index] for column in self.columns()))

    @classmethod
    def concat(cls, chunks: Sequence[Self]) -> Self:
        """One chunk holding the rows of ``chunks`` in order."""
        if len(chunks) == 1:
            return chunks[0]
        columns = zip(*(chunk.columns() for chunk in chunks), strict=True)
        return cls(*(np.concatenate(parts) for parts in columns))


@dataclass(frozen=True, slots=True)
class BarChunk(Chunk):
    """Bars as columns; row ``i`` of every array belongs to the same bar."""

    ts: Ints
    """Bar time (close time), nanoseconds since the epoch, UTC."""
    open: Floats
    high: Floats
    low: Floats
    close: Floats
    volume: Floats
    instrument: Objects
    """Instrument name per row (``str`` objects, shared between rows)."""


@dataclass(frozen=True, slots=True)
class TickChunk(Chunk):
    """Top-of-book quotes as columns; row ``i`` of every array belongs to the same quote."""

    ts: Ints
    """Quote time, nanoseconds since the epoch, UTC."""
    bid: Floats
    ask: Floats
    bid_size: Floats
    ask_size: Floats
    instrument: Objects
    """Instrument name per row (``str`` objects, shared between rows)."""
