"""One block of whole CSV lines read by Arrow as text columns, each row with its line.

For the blocks that are not plain (see ``tickwire.data._csv``): quotes, bytes that are
not UTF-8, blank lines, rows with the wrong number of fields, values to be trimmed or
that are not numbers. Every field is read as text so that conversion (and its errors)
happens in one place for both file formats.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]

from tickwire.data._arrow import Mask, marked_rows
from tickwire.data._lines import NOT_UTF8, as_utf8
from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError

__all__ = ["ArrowBlocks"]

_INSTRUMENT = pa.dictionary(pa.int32(), pa.string())
_LINE_END = re.compile(rb"\r\n|\r|\n")


class _Malformed:
    """Collects the rows the parser skips for having the wrong number of fields."""

    def __init__(self, path: str, first: int) -> None:
        self.path = path
        self.first = first
        self.found: list[BadRow] = []
        # For malformed line numbers L_0 < L_1 < ... (within the block), entry m is
        # L_m - m: the malformed lines at or before a good row follow from one searchsorted.
        self.shifted: list[int] = []

    def __call__(self, row: Any) -> str:
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        self.found.append(BadRow(self.path, self.first - 1 + row.number, None, reason))
        self.shifted.append(row.number - 1 - len(self.shifted))
        return "skip"


class ArrowBlocks:
    """Reads blocks of one file's lines through Arrow's CSV parser."""

    def __init__(self, path: str, names: list[str], present: list[str]) -> None:
        self.path = path
        self.names = names
        self.present = present

    def batch(self, block: bytes | memoryview, first: int) -> RawBatch:
        """The wanted columns of ``block`` (whose first line is line ``first``) as text."""
        data, substituted = as_utf8(block)
        malformed = _Malformed(self.path, first)
        try:
            table = pcsv.read_csv(
                pa.py_buffer(data),
                # Threads would lose the line numbers of malformed rows; one block is one
                # parse (a row may not straddle Arrow's blocks).
                read_options=pcsv.ReadOptions(
                    block_size=len(data) + 1, use_threads=False, column_names=self.names
                ),
                parse_options=pcsv.ParseOptions(
                    quote_char=False, invalid_row_handler=malformed, ignore_empty_lines=False
                ),
                convert_options=pcsv.ConvertOptions(
                    include_columns=self.present,
                    # Names repeat on every row: dictionary-encoded, each is parsed once.
                    column_types={
                        name: _INSTRUMENT if name == "instrument" else pa.string()
                        for name in self.present
                    },
                ),
            )
        except pa.ArrowInvalid as exc:
            reason = f"cannot read as CSV after line {first - 1}: {exc}"
            raise DataError(BadRow(self.path, None, None, reason)) from exc
        rows = table.num_rows
        # Row k of the block, before counting malformed lines, is on line first + k.
        lines = np.arange(first, first + rows, dtype=np.int64)
        shifted = np.asarray(malformed.shifted, dtype=np.int64)
        lines += np.searchsorted(shifted, lines - first, "right")
        columns = {name: table.column(name).combine_chunks() for name in self.present}
        columns, lines = _drop_blank_lines(columns, lines, data, first)
        unreadable = _not_utf8(columns) if substituted else {}
        return RawBatch(columns, lines, malformed.found, unreadable)


def _drop_blank_lines(
    columns: dict[str, Any], lines: np.ndarray[Any, Any], data: bytes, first: int
) -> tuple[dict[str, Any], np.ndarray[Any, Any]]:
    """Remove the rows that are blank lines; a line of empty fields stays, to be reported.

    The parser gives both as a row of empty fields, so the lines themselves are looked
    at, only for such rows.
    """
    empty: Mask | None = None
    for arr in columns.values():
        is_empty = pc.equal(arr, "").to_numpy(zero_copy_only=False)
        empty = is_empty if empty is None else empty & is_empty
        if not empty.any():
            return columns, lines
    if empty is None:
        return columns, lines
    text = _LINE_END.split(data)
    blank = np.zeros(len(lines), dtype=np.bool_)
    blank[np.flatnonzero(empty)] = [text[line - first] == b"" for line in lines[empty].tolist()]
    if not blank.any():
        return columns, lines
    keep = pa.array(~blank)
    return {name: arr.filter(keep) for name, arr in columns.items()}, lines[~blank]


def _not_utf8(columns: dict[str, Any]) -> dict[str, Mask]:
    """Per column, the rows that held bytes which are not UTF-8 (marked by ``as_utf8``)."""
    marked = {name: marked_rows(arr, NOT_UTF8) for name, arr in columns.items()}
    return {name: mask for name, mask in marked.items() if mask is not None}
