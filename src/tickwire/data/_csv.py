"""Stream a CSV file in blocks of whole lines: plain blocks straight to numbers, others as text.

Most blocks of market data are plain (ASCII, no quotes, every field of every line a
simple number or name): ``tickwire.data._plaincsv`` parses those into number columns in
one pass, without Arrow. Any other block is read by Arrow as text columns
(``tickwire.data._csv_arrow``), so conversion and its errors happen in one place for
both file formats. Fields are split at every comma: quotes do not protect commas or line
ends (one stray quote would otherwise swallow the rest of a file), and a pair of quotes
around a value is removed when the value is converted. Lines end at ``\\n``, ``\\r\\n``
or ``\\r``; each line is one row. Blank lines are ignored; a line of empty fields is a
bad row. Bytes that are not UTF-8 make their field bad.

One block (1 MiB) is parsed at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from tickwire.data._lines import BLOCK_BYTES, line_blocks
from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError

ParseBlock = Callable[
    [bytes | memoryview, bytes, int],
    tuple[int, int, bytearray, bytearray, bytearray, list[str]] | None,
]
parse_block: ParseBlock | None
try:
    from tickwire.data._plaincsv import parse_block
except ImportError:  # built without compiling: every block goes through Arrow, as Python
    # would parse a plain block several times slower than Arrow does.
    parse_block = None

__all__ = ["BLOCK_BYTES", "HEADER_BYTES", "csv_batches", "csv_header"]

HEADER_BYTES = 128 << 10
"""The longest header line accepted: longer is not a header but a file that is not CSV."""
_LINE_END = re.compile(rb"\r\n|\r|\n")
_SKIP, _TS, _INSTRUMENT, _NUMBER = 0, 1, 2, 3
"""Roles of a field for ``parse_block``; ``_NUMBER + k`` is the k-th number column."""
_TS_KINDS = {1: "epoch", 2: "iso"}


def _column_name(field: str) -> str:
    """A header field as a column name: stripped, lower case, one pair of quotes removed."""
    name = field.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    return name.lower()


def csv_header(path: str) -> tuple[list[str], int | None]:
    """Column names from the first line, and the byte offset of the line after it (None
    if nothing follows)."""
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
    following = end.end() if end is not None and end.end() < len(start) else None
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


class _PlainLayout:
    """Where each wanted column is in a line, and the file's instrument names so far."""

    def __init__(self, names: list[str], wanted: Sequence[str]) -> None:
        self.numbers = [n for n in wanted if n in names and n not in ("ts", "instrument")]
        roles = {"ts": _TS, "instrument": _INSTRUMENT}
        roles.update({name: _NUMBER + k for k, name in enumerate(self.numbers)})
        self.roles = bytes(roles.get(name, _SKIP) for name in names)
        self.canonical: dict[str, str] = {}
        """One ``str`` per name for the whole file: consumers may compare by identity."""

    def batch(self, block: bytes | memoryview, first: int) -> RawBatch | None:
        """The block's columns as numbers, or None if it is not plain."""
        if parse_block is None:
            return None
        parsed = parse_block(block, self.roles, len(self.numbers))
        if parsed is None:
            return None
        rows, ts_kind, ts, numbers, codes, names = parsed
        columns: dict[str, object] = {}
        if ts_kind:
            columns["ts"] = np.frombuffer(ts, np.int64, rows)
        values = np.frombuffer(numbers, np.float64).reshape(len(self.numbers), rows)
        for k, name in enumerate(self.numbers):
            columns[name] = values[k]
        if _INSTRUMENT in self.roles:
            labels = np.empty(len(names), dtype=object)
            labels[:] = [self.canonical.setdefault(name, name) for name in names]
            codes_array = np.frombuffer(codes, np.int32, rows).astype(np.int64)
            columns["instrument"] = labels[codes_array]
            instrument_codes = codes_array
        else:
            instrument_codes = None
        lines = np.arange(first, first + rows, dtype=np.int64)
        return RawBatch(
            columns, lines, ts_kind=_TS_KINDS.get(ts_kind), instrument_codes=instrument_codes
        )


def csv_batches(
    path: str,
    wanted: Sequence[str],
    required: Sequence[str],
    *,
    accepts: Callable[[str], bool] = lambda kind: True,
) -> Iterator[RawBatch]:
    """Blocks of ``wanted`` columns, with line numbers; DataError if any is missing.

    ``accepts`` tells whether a plain block's kind of ``ts`` (``epoch``/``iso``) fits the
    file's format so far; a block that does not goes through Arrow, which marks its rows.
    """
    header, offset = csv_header(path)
    for name in required:
        if name not in header:
            raise DataError(BadRow(path, 1, name, f"missing column (header has {header})"))
    if offset is None:
        return
    names = _arrow_names(path, header, wanted)
    plain = _PlainLayout(names, wanted)
    arrow = None
    for first, block in line_blocks(path, offset, 2):
        batch = plain.batch(block, first)
        if batch is not None and batch.ts_kind is not None and not accepts(batch.ts_kind):
            batch = None
        if batch is None:
            if arrow is None:
                from tickwire.data._csv_arrow import ArrowBlocks  # loads pyarrow

                arrow = ArrowBlocks(path, names, [n for n in names if n in wanted])
            batch = arrow.batch(block, first)
        yield batch
