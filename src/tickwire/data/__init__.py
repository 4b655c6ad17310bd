"""Historical market data: read bars and quotes from CSV/Parquet, or generate them.

Reading streams: files are parsed in blocks into columnar chunks (:class:`BarChunk`,
:class:`TickChunk`: numpy arrays, ``ts`` in int64 ns UTC), and events are built from one
chunk at a time, so memory stays flat however long the file is (one 1 MiB block of CSV
lines, or one 16,384-row Parquet batch, at a time). Plain CSV blocks (ASCII, no quotes,
simple numbers, ``ts`` as epoch integers or ``YYYY-MM-DDTHH:MM:SS[.f][Z]``) are parsed
by compiled code without Arrow; any other block is read by Arrow, with the same results.

Files: a header row (names are matched case-insensitively; unknown columns are ignored);
bars need ``ts, open, high, low, close, volume``, quotes ``ts, bid, ask`` and optionally
``bid_size, ask_size``; both may have ``instrument`` (otherwise the ``instrument``
argument, else the file stem, names every row; a Parquet integer ``instrument`` column is
read as its digits, ``7`` as ``"7"``). ``.parquet``/``.pq`` files are Parquet, anything
else CSV. Timestamps are ISO 8601 text (naive means UTC; ``T`` and ``Z`` may be lower
case) or epoch numbers in ``ts_unit`` (``"auto"``: detected from the first value's
magnitude and reported in ``report.ts_units``). Each file must be in non-decreasing time
order.

CSV text: UTF-8, one row per line (lines end at ``\n``, ``\r\n`` or ``\r``), fields
split at every comma. Spaces and one pair of double quotes around a value are ignored; a
quoted value cannot hold a comma or a line end (so a stray quote spoils one row, not the
rest of the file). Blank lines are ignored.

Merge order: several files are merged into one stream in non-decreasing time order. Equal
timestamps keep the order of the paths given, then the row order within a file.

Bad rows: a field that is not UTF-8, unparseable or missing (a line of empty fields is a
bad row), NaN or infinity, a price (open, high, low, close; bid, ask) of 0 or less unless
``allow_nonpositive_prices=True``, ``high < low``, open or close outside ``[low, high]``,
negative volume or size, ``ask < bid``, a timestamp earlier than the file's previous good
row, or a second bar of one instrument at one time in a file (two bars for the same time
are a data error; several quotes in one nanosecond are not, and keep their file order).
These are the rules of :func:`tickwire.events.market_data_problem`. They raise
:class:`DataError` naming the file, line (CSV: physical line, header = 1; Parquet: 1-based
row) and column, when their chunk is reached. With ``skip_bad_rows=True`` they are dropped
instead; ``report.bad_rows`` counts them and ``report.first_bad`` keeps the first few with
their reasons.

Whole files: a DataError whatever ``skip_bad_rows`` says, for a missing or repeated
column, a column of a type that cannot mean its field (a bool price), a header that is not
UTF-8 or is longer than 128 KiB, a CSV line too long to parse (over 1 MiB), or Parquet
bytes that cannot be decoded (naming the first row not read).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from tickwire.data._events import bars_from_chunks, ticks_from_chunks
from tickwire.data._report import MAX_BAD_SAMPLES, BadRow, DataError, DataReport
from tickwire.data._synthetic import SyntheticBars, parse_interval, synthetic_bars
from tickwire.data.chunks import BarChunk, TickChunk

if TYPE_CHECKING:
    from tickwire.data._samples import SAMPLE_INSTRUMENTS, sample_data_paths
    from tickwire.data._sources import BarSource, TickSource, read_bars, read_ticks
    from tickwire.data._writers import write_bars_csv, write_bars_parquet

# Writing files, reading Parquet and reading CSV blocks that are not plain need pyarrow
# (about 65 MB once imported, and the pandas it imports 36 MB more); these names load the
# readers and writers on first use, and the readers load pyarrow only for such files, so
# runs on synthetic bars, in-memory bars or plain CSV never pay for it.
_NEEDS_PYARROW = {
    "SAMPLE_INSTRUMENTS": "_samples",
    "sample_data_paths": "_samples",
    "BarSource": "_sources",
    "TickSource": "_sources",
    "read_bars": "_sources",
    "read_ticks": "_sources",
    "write_bars_csv": "_writers",
    "write_bars_parquet": "_writers",
}


def __getattr__(name: str) -> Any:
    module = _NEEDS_PYARROW.get(name)
    if module is None:
        raise AttributeError(f"module 'tickwire.data' has no attribute {name!r}")
    value = getattr(import_module(f"tickwire.data.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "MAX_BAD_SAMPLES",
    "SAMPLE_INSTRUMENTS",
    "BadRow",
    "BarChunk",
    "BarSource",
    "DataError",
    "DataReport",
    "SyntheticBars",
    "TickChunk",
    "TickSource",
    "bars_from_chunks",
    "parse_interval",
    "read_bars",
    "read_ticks",
    "sample_data_paths",
    "synthetic_bars",
    "ticks_from_chunks",
    "write_bars_csv",
    "write_bars_parquet",
]
