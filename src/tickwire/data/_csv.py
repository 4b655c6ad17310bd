"""Stream a CSV file as text columns in blocks, keeping track of each row's physical line.

Every field is read as text so that conversion (and its errors) happens in one place for
both file formats. Fields are split at every comma: quotes do not protect commas or line
ends (one stray quote would otherwise swallow the rest of a file), and a pair of quotes
around a value is removed when the value is converted. Lines end at ``\\n``, ``\\r\\n``
or ``\\r``; each line is one row. Blank lines are ignored; a line of empty fields is a
bad row. Bytes that are not UTF-8 make their field bad.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pcsv  # type: ignore[import-untyped]

from tickwire.data._arrow import Mask, marked_rows
from tickwire.data._lines import NOT_UTF8, LineScanner, Utf8Stream, whole_line_blocks
from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError

__all__ = ["BLOCK_BYTES", "HEADER_BYTES", "csv_batches"]

_INSTRUMENT = pa.dictionary(pa.int32(), pa.string())
BLOCK_BYTES = 1 << 20
"""Bytes parsed per block: about 15,000 bar rows, small enough to keep memory flat. A
line longer than this cannot be parsed and stops the read (no market data row is)."""
HEADER_BYTES = 128 << 10
"""The longest header line accepted: longer is not a header but a file that is not CSV."""
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _column_name(field: str) -> str:
    """A header field as a column name: stripped, lower case, one pair of quotes removed."""
    name = field.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    return name.lower()


def _header(path: str) -> tuple[list[str], bool]:
    """Column names from the first line, and whether anything follows that line."""
    with open(path, "rb") as f:
        start = f.read(HEADER_BYTES + 2)
    if not start:
        raise DataError(BadRow(path, 1, None, "no header line (empty file)"))
    end = _LINE_END.search(start)
    length = len(start) if end is None else end.start()
    if length > HEADER_BYTES:
        reason = f"header line longer than {HEADER_BYTES:,} bytes: this is not a CSV header"
        raise DataError(BadRow(path, 1, None, reason))
    try:
        text = start[:length].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reason = f"the header is not UTF-8 text (byte {exc.start + 1} of the line)"
        raise DataError(BadRow(path, 1, None, reason)) from exc
    following = end is not None and end.end() < len(start)
    return [_column_name(field) for field in text.split(",")], following


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
    header, has_rows = _header(path)
    for name in required:
        if name not in header:
            raise DataError(BadRow(path, 1, name, f"missing column (header has {header})"))
    if not has_rows:
        return
    names = _arrow_names(path, header, wanted)
    present = [name for name in names if name in wanted]
    malformed = _Malformed(path)
    stream = Utf8Stream(path)
    delivered = 0
    try:
        reader = _open(path, stream, names, present, malformed)
        scanner = LineScanner(path)
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise _unparseable(path, delivered + 2 + len(malformed.shifted), exc) from exc
            rows = batch.num_rows
            # Line of the k-th delivered row, before counting malformed lines: k + 2.
            lines = np.arange(delivered + 2, delivered + 2 + rows, dtype=np.int64)
            lines += np.searchsorted(np.asarray(malformed.shifted, dtype=np.int64), lines, "right")
            delivered += rows
            columns = {name: batch.column(name) for name in present}
            columns, lines = _drop_blank_lines(columns, lines, scanner)
            unreadable = _not_utf8(columns) if stream.substituted else {}
            end = float(lines[-1]) if len(lines) else float("-inf")
            yield RawBatch(columns, lines, malformed.take_before(end), unreadable)
    finally:
        stream.close()
    if malformed.pending:
        empty = {name: pa.array([], pa.string()) for name in present if name != "instrument"}
        yield RawBatch(empty, np.empty(0, np.int64), malformed.take_before(float("inf")))


def _open(
    path: str, stream: Utf8Stream, names: list[str], present: list[str], malformed: _Malformed
) -> Any:
    try:
        return pcsv.open_csv(
            stream,
            # Threads would lose the physical line numbers of malformed rows.
            read_options=pcsv.ReadOptions(
                block_size=BLOCK_BYTES, use_threads=False, skip_rows=1, column_names=names
            ),
            parse_options=pcsv.ParseOptions(
                quote_char=False, invalid_row_handler=malformed, ignore_empty_lines=False
            ),
            convert_options=pcsv.ConvertOptions(
                include_columns=present,
                # Names repeat on every row: dictionary-encoded, each is parsed into a str once.
                column_types={
                    name: _INSTRUMENT if name == "instrument" else pa.string() for name in present
                },
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _unparseable(path, 2, exc) from exc


def _unparseable(path: str, after: int, exc: Exception) -> DataError:
    """The error for a block the parser gave up on: a line too long, or else its message."""
    line = _first_long_line(path, after)
    if line is not None:
        reason = f"line longer than {BLOCK_BYTES:,} bytes: not a row of market data"
        return DataError(BadRow(path, line, None, reason))
    return DataError(BadRow(path, None, None, f"cannot read as CSV after line {after}: {exc}"))


def _first_long_line(path: str, start: int) -> int | None:
    """The first line at or after ``start`` longer than a parse block, if there is one."""
    for first, block in whole_line_blocks(path):
        if len(block) <= BLOCK_BYTES:
            continue
        for offset, line in enumerate(_LINE_END.split(block)):
            if len(line) > BLOCK_BYTES and first + offset >= start:
                return first + offset
    return None


def _drop_blank_lines(
    columns: dict[str, Any], lines: np.ndarray[Any, Any], scanner: LineScanner
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
    candidates = lines[empty].tolist()
    text = scanner.lines(candidates)
    blank = np.zeros(len(lines), dtype=np.bool_)
    blank[np.flatnonzero(empty)] = [text.get(line) == b"" for line in candidates]
    if not blank.any():
        return columns, lines
    keep = pa.array(~blank)
    return {name: arr.filter(keep) for name, arr in columns.items()}, lines[~blank]


def _not_utf8(columns: dict[str, Any]) -> dict[str, Mask]:
    """Per column, the rows that held bytes which are not UTF-8 (marked by the stream)."""
    marked = {name: marked_rows(arr, NOT_UTF8) for name, arr in columns.items()}
    return {name: mask for name, mask in marked.items() if mask is not None}
