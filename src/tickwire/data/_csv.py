"""Stream a CSV file as text columns in blocks, keeping track of each row's physical line.

Every field is read as text so that conversion (and its errors) happens in one place for
both file formats. Blank lines are ignored. Line numbers assume one record per line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]

from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError

__all__ = ["BLOCK_BYTES", "csv_batches"]

_INSTRUMENT = pa.dictionary(pa.int32(), pa.string())
BLOCK_BYTES = 1 << 20
"""Bytes parsed per block: about 15,000 bar rows, small enough to keep memory flat."""


def _header(path: str) -> list[str]:
    """Column names from the first line, normalised to stripped lower case."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        first = next(csv.reader(f), None)
    if not first:
        raise DataError(BadRow(path, 1, None, "no header line (empty file)"))
    return [name.strip().lower() for name in first]


def _arrow_names(path: str, header: list[str], wanted: Sequence[str]) -> list[str]:
    """Names for the parser: wanted columns keep theirs, all others get unique dummies."""
    names = []
    for position, name in enumerate(header):
        if name in wanted:
            if name in names:
                raise DataError(BadRow(path, 1, name, "column appears twice in the header"))
            names.append(name)
        else:
            names.append(f"\0unused{position}")
    return names


class _Malformed:
    """Collects the rows the parser skips for having the wrong number of fields."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: list[BadRow] = []
        # For malformed line numbers L_0 < L_1 < ..., entry m is L_m - m: the number of
        # malformed lines at or before a good row's line follows from one searchsorted.
        self.shifted: list[int] = []

    def __call__(self, row: Any) -> str:
        self.pending.append(
            BadRow(
                self.path,
                row.number,
                None,
                f"expected {row.expected_columns} fields, found {row.actual_columns}",
            )
        )
        self.shifted.append(row.number - len(self.shifted))
        return "skip"

    def take_before(self, line: float) -> list[BadRow]:
        """Remove and return the pending rows above ``line``."""
        taken = [bad for bad in self.pending if bad.line is not None and bad.line < line]
        self.pending = self.pending[len(taken) :]
        return taken


def csv_batches(path: str, wanted: Sequence[str], required: Sequence[str]) -> Iterator[RawBatch]:
    """Blocks of ``wanted`` columns as text, with line numbers; DataError if any is missing."""
    header = _header(path)
    for name in required:
        if name not in header:
            raise DataError(BadRow(path, 1, name, f"missing column (header has {header})"))
    names = _arrow_names(path, header, wanted)
    present = [name for name in names if name in wanted]
    malformed = _Malformed(path)
    reader = pcsv.open_csv(
        path,
        # Threads would lose the physical line numbers of malformed rows.
        read_options=pcsv.ReadOptions(
            block_size=BLOCK_BYTES, use_threads=False, skip_rows=1, column_names=names
        ),
        parse_options=pcsv.ParseOptions(invalid_row_handler=malformed, ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(
            include_columns=present,
            # Names repeat on every row: dictionary-encoded, each is parsed into a str once.
            column_types={
                name: _INSTRUMENT if name == "instrument" else pa.string() for name in present
            },
        ),
    )
    delivered = 0
    for batch in reader:
        rows = batch.num_rows
        # Line of the k-th delivered row, before counting malformed lines: k + 2 (header is 1).
        lines = np.arange(delivered + 2, delivered + 2 + rows, dtype=np.int64)
        lines += np.searchsorted(np.asarray(malformed.shifted, dtype=np.int64), lines, "right")
        delivered += rows
        columns = {name: batch.column(name) for name in present}
        columns, lines = _drop_blank(columns, lines)
        end = float(lines[-1]) if len(lines) else float("-inf")
        yield RawBatch(columns, lines, malformed.take_before(end))
    if malformed.pending:
        empty = {name: pa.array([], pa.string()) for name in present if name != "instrument"}
        yield RawBatch(empty, np.empty(0, np.int64), malformed.take_before(float("inf")))


def _drop_blank(
    columns: dict[str, Any], lines: np.ndarray[Any, Any]
) -> tuple[dict[str, Any], np.ndarray[Any, Any]]:
    """Remove rows whose fields are all empty: the parser's view of a blank line."""
    blank = None
    for arr in columns.values():
        empty = pc.equal(arr, "")
        blank = empty if blank is None else pc.and_(blank, empty)
        if not pc.any(blank).as_py():
            return columns, lines
    keep = pc.invert(blank)
    return (
        {name: arr.filter(keep) for name, arr in columns.items()},
        lines[keep.to_numpy(zero_copy_only=False)],
    )
