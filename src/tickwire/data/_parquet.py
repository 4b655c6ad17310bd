"""Stream a Parquet file in record batches of the wanted columns, numbering rows from 1.

A file that cannot be decoded (not Parquet, truncated, a damaged page) raises DataError
naming the file and, when the damage is past the first batch, the first row not read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tickwire.data._arrow import valid_utf8
from tickwire.data._lines import NOT_UTF8
from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError

__all__ = ["BATCH_ROWS", "parquet_batches"]

BATCH_ROWS = 16_384
"""Rows per batch: enough to amortise per-batch work; about as many as a CSV block holds."""
# Files are opened with pre_buffer=False: pre-buffering reads ahead whole row groups and
# kept ~100 MB more for a 4 M-row file than for a 1 M-row one; without it memory is flat.
# What pyarrow raises for bytes it cannot decode: its own errors, OSError for damaged
# pages and compression, UnicodeDecodeError for names or metadata that are not UTF-8.
_UNDECODABLE = (pa.ArrowException, OSError, UnicodeDecodeError)


def parquet_batches(
    path: str, wanted: Sequence[str], required: Sequence[str]
) -> Iterator[RawBatch]:
    """Batches of ``wanted`` columns (any Arrow type); DataError if a required one is missing."""
    with pa.OSFile(path) as f:  # a missing file stays a FileNotFoundError
        try:
            parquet = pq.ParquetFile(f, pre_buffer=False)
            names = list(parquet.schema_arrow.names)
        except _UNDECODABLE as exc:
            reason = f"not a readable Parquet file ({_first_line(exc)})"
            raise DataError(BadRow(path, None, None, reason, "row")) from exc
        actual: dict[str, str] = {}
        for name in names:
            canonical = name.strip().lower()
            if canonical in wanted:
                if canonical in actual:
                    raise DataError(BadRow(path, None, canonical, "column appears twice", "row"))
                actual[canonical] = name
        for name in required:
            if name not in actual:
                reason = f"missing column (file has {names})"
                raise DataError(BadRow(path, None, name, reason, "row"))
        if "instrument" in actual and _is_string(parquet, actual["instrument"]):
            # Names repeat on every row: read dictionary-encoded, each name is decoded once.
            f.seek(0)
            try:
                parquet = pq.ParquetFile(
                    f, read_dictionary=[actual["instrument"]], pre_buffer=False
                )
            except _UNDECODABLE as exc:
                reason = f"not a readable Parquet file ({_first_line(exc)})"
                raise DataError(BadRow(path, None, None, reason, "row")) from exc
        yield from _batches(path, parquet, actual)


def _batches(path: str, parquet: Any, actual: dict[str, str]) -> Iterator[RawBatch]:
    first = 1
    # One decoding thread: measured faster than a pool on small machines, where the
    # consumer of the batches needs a core too.
    batches = parquet.iter_batches(
        batch_size=BATCH_ROWS, columns=list(actual.values()), use_threads=False
    )
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except _UNDECODABLE as exc:
            reason = f"cannot decode the file from row {first} on ({_first_line(exc)})"
            raise DataError(BadRow(path, first, None, reason, "row")) from exc
        rows = batch.num_rows
        columns: dict[str, Any] = {}
        unreadable = {}
        for name, source in actual.items():
            columns[name], bad = valid_utf8(batch.column(source), NOT_UTF8)
            if bad is not None:
                unreadable[name] = bad
        yield RawBatch(columns, np.arange(first, first + rows, dtype=np.int64), [], unreadable)
        first += rows


def _is_string(parquet: Any, column: str) -> bool:
    kind = parquet.schema_arrow.field(column).type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (pyarrow's can run to several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
