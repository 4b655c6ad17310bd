"""Write bars to CSV or Parquet in the layout ``read_bars`` reads, chunk by chunk."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tickwire.data.chunks import BarChunk
from tickwire.events import Bar

__all__ = ["TS_FORMATS", "HasBarChunks", "write_bars_csv", "write_bars_parquet"]

TS_FORMATS = ("ns", "us", "ms", "s", "iso")
_DIVISOR = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_ROWS = 65_536
_PRICES = ("open", "high", "low", "close", "volume")
_UTC_NS = pa.timestamp("ns", tz="UTC")


class HasBarChunks(Protocol):
    """Anything with columnar bar chunks, such as ``read_bars(...)`` or ``synthetic_bars(...)``."""

    def chunks(self) -> Iterator[BarChunk]: ...


def _chunks(bars: HasBarChunks | Iterable[Bar]) -> Iterator[BarChunk]:
    """Chunks from a chunked source as is, or from ``Bar`` events, grouped a block at a time."""
    if hasattr(bars, "chunks"):
        yield from bars.chunks()
        return
    block: list[Bar] = []
    for bar in bars:
        block.append(bar)
        if len(block) == _ROWS:
            yield _to_chunk(block)
            block = []
    if block:
        yield _to_chunk(block)


def _to_chunk(bars: list[Bar]) -> BarChunk:
    names = np.empty(len(bars), dtype=object)
    names[:] = [b.instrument for b in bars]
    prices = [np.array([getattr(b, f) for b in bars], dtype=np.float64) for f in _PRICES]
    return BarChunk.from_columns(
        [np.array([b.ts_event_ns for b in bars], dtype=np.int64), *prices, names]
    )


def _table(chunk: BarChunk, ts: Any, include_instrument: bool) -> Any:
    columns = {"ts": ts, **{f: getattr(chunk, f) for f in _PRICES}}
    if include_instrument:
        columns["instrument"] = pa.array(chunk.instrument, pa.string()).dictionary_encode()
    return pa.table(columns)


def _csv_ts(ts: np.ndarray[Any, np.dtype[np.int64]], ts_format: str) -> Any:
    if ts_format == "iso":
        stamps = pa.array(ts, _UTC_NS)
        if bool(np.all(ts % 1_000_000_000 == 0)):
            # Whole seconds: the short form, without nine zeros of fraction.
            return pc.strftime(pc.cast(stamps, pa.timestamp("s", tz="UTC")), "%Y-%m-%dT%H:%M:%SZ")
        return pc.strftime(stamps, "%Y-%m-%dT%H:%M:%SZ")
    divisor = _DIVISOR[ts_format]
    if divisor > 1 and bool(np.any(ts % divisor)):
        raise ValueError(f"timestamps are finer than {ts_format!r}; use a finer ts_format")
    return ts // divisor


def write_bars_csv(
    path: str | os.PathLike[str],
    bars: HasBarChunks | Iterable[Bar],
    *,
    ts_format: str = "ns",
    include_instrument: bool = True,
) -> int:
    """Write ``bars`` as CSV; returns the number of rows written.

    ``ts_format`` is an epoch unit (``ns``, ``us``, ``ms``, ``s``; coarser units must not
    lose precision) or ``iso`` (ISO 8601 UTC with a ``Z``). Floats are written in their
    shortest round-tripping form, so reading the file back gives the same numbers.
    """
    if ts_format not in TS_FORMATS:
        raise ValueError(f"ts_format must be one of {TS_FORMATS}, not {ts_format!r}")
    rows = 0
    writer = None
    try:
        for chunk in _chunks(bars):
            table = _table(chunk, _csv_ts(chunk.ts, ts_format), include_instrument)
            if writer is None:
                options = pcsv.WriteOptions(quoting_style="none")
                writer = pcsv.CSVWriter(os.fspath(path), table.schema, write_options=options)
            writer.write_table(table)
            rows += len(chunk)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        header = "ts,open,high,low,close,volume" + (",instrument" if include_instrument else "")
        with open(path, "w", encoding="utf-8") as f:
            f.write(header + "\n")
    return rows


def write_bars_parquet(
    path: str | os.PathLike[str],
    bars: HasBarChunks | Iterable[Bar],
    *,
    include_instrument: bool = True,
) -> int:
    """Write ``bars`` as Parquet (``ts`` as UTC timestamp[ns]); returns the rows written."""
    rows = 0
    writer = None
    try:
        for chunk in _chunks(bars):
            table = _table(chunk, pa.array(chunk.ts, _UTC_NS), include_instrument)
            if writer is None:
                writer = pq.ParquetWriter(os.fspath(path), table.schema)
            writer.write_table(table)
            rows += len(chunk)
        if writer is None:
            empty = _table(_to_chunk([]), pa.array([], _UTC_NS), include_instrument)
            writer = pq.ParquetWriter(os.fspath(path), empty.schema)
            writer.write_table(empty)
    finally:
        if writer is not None:
            writer.close()
    return rows
