"""The bars of a row as columns (schema 8, ``encoding`` "columns"): packed and read back.

When the run's bars come from a chunked source (``read_bars``, ``synthetic_bars``), the
recorder keeps the source's chunks and, per stored row, only which chunk rows were
published where (see ``_capture``); the row's payload then ends with one
:class:`BarColumns` holding those bars' values as packed little-endian arrays, instead of
one field tuple per bar. Encoding a bar this way costs the publishing thread almost
nothing (numpy copies a row's columns at once), and a reader rebuilds each bar as the
codec's map, so it is checked and returned exactly as a bar stored as a tuple.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec
import numpy as np

from tickwire.events import DecodeError

__all__ = ["BarColumns", "ChunkPiece", "decode_bar_columns", "encode_bar_columns"]

_FLOATS = ("open", "high", "low", "close", "volume")


class BarColumns(msgspec.Struct, array_like=True, forbid_unknown_fields=True):
    """A row's bars stored as columns; bar ``k`` is element ``k`` of every column."""

    at: int
    """The position in the row's type list (and layouts) of the bars stored here."""
    runs: list[tuple[int, int, str]]
    """Consecutive bars sharing ``ts_created_ns`` and ``interval``: (count, ts, interval)."""
    names: list[str]
    """The instrument names; ``codes`` picks one per bar (only one: no codes)."""
    codes: bytes | None
    """Per bar, the index of its name in ``names`` (int32), when there are several."""
    ts: bytes
    """``ts_event_ns`` per bar, int64 little-endian."""
    open: bytes
    high: bytes
    low: bytes
    close: bytes
    volume: bytes
    """float64 little-endian per bar."""


class ChunkPiece(NamedTuple):
    """Rows ``start:stop`` of a chunk (a ``tickwire.data.BarChunk``) whose bars were made
    with ``created`` and ``interval``."""

    chunk: Any
    created: int
    interval: str
    start: int
    stop: int


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(BarColumns)


def _column(pieces: Sequence[ChunkPiece], name: str, dtype: str) -> bytes:
    parts = [getattr(p.chunk, name)[p.start : p.stop] for p in pieces]
    return np.concatenate(parts).astype(dtype, copy=False).tobytes()


def encode_bar_columns(at: int, pieces: Sequence[ChunkPiece]) -> bytes:
    """The msgpack of the bars in ``pieces`` (in order) as one :class:`BarColumns`."""
    runs: list[tuple[int, int, str]] = []
    for piece in pieces:
        count = piece.stop - piece.start
        if runs and runs[-1][1:] == (piece.created, piece.interval):
            runs[-1] = (runs[-1][0] + count, piece.created, piece.interval)
        else:
            runs.append((count, piece.created, piece.interval))
    instruments: list[str] = []
    for piece in pieces:
        instruments += piece.chunk.instrument[piece.start : piece.stop].tolist()
    index = dict.fromkeys(instruments)  # names in order of first appearance
    names = list(index)
    codes = None
    if len(names) > 1:
        position = {name: k for k, name in enumerate(names)}
        codes = np.array([position[name] for name in instruments], dtype="<i4").tobytes()
    columns = BarColumns(
        at=at,
        runs=runs,
        names=[str(name) for name in names],
        codes=codes,
        ts=_column(pieces, "ts", "<i8"),
        **{name: _column(pieces, name, "<f8") for name in _FLOATS},
    )
    return _encoder.encode(columns)


def decode_bar_columns(raw: bytes | memoryview, n_bars: int) -> tuple[int, list[dict[str, Any]]]:
    """The type position ``raw`` gives and the fields of each of its ``n_bars`` bars, in
    order, by field name; DecodeError if it does not hold that many well-formed bars."""
    try:
        block = _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"bar columns: {exc}") from None
    if sum(count for count, _, _ in block.runs) != n_bars or any(c < 0 for c, _, _ in block.runs):
        raise DecodeError(f"bar columns: runs do not add up to its {n_bars} bars")
    width = 8 * n_bars
    arrays = (block.ts, block.open, block.high, block.low, block.close, block.volume)
    if any(len(array) != width for array in arrays):
        raise DecodeError(f"bar columns: a column is not {n_bars} values long")
    if not block.names or (block.codes is None) != (len(block.names) == 1):
        raise DecodeError("bar columns: instrument names and codes do not match")
    names = block.names
    if block.codes is None:
        instruments = [names[0]] * n_bars
    else:
        codes = np.frombuffer(block.codes, dtype="<i4")
        if len(codes) != n_bars or codes.min() < 0 or codes.max() >= len(names):
            raise DecodeError("bar columns: an instrument code out of range")
        instruments = [names[code] for code in codes.tolist()]
    ts = np.frombuffer(block.ts, dtype="<i8").tolist()
    floats = [np.frombuffer(getattr(block, name), dtype="<f8").tolist() for name in _FLOATS]
    bars: list[dict[str, Any]] = []
    k = 0
    for count, created, interval in block.runs:
        for _ in range(count):
            bars.append(
                {
                    "ts_event_ns": ts[k],
                    "ts_created_ns": created,
                    "instrument": instruments[k],
                    "open": floats[0][k],
                    "high": floats[1][k],
                    "low": floats[2][k],
                    "close": floats[3][k],
                    "volume": floats[4][k],
                    "interval": interval,
                }
            )
            k += 1
    return block.at, bars
