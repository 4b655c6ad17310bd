"""Raw batches to validated chunks: parse, check every row, then raise or skip the bad ones.

A row is bad when a field is missing or unparseable, a number is NaN or infinite, the
schema's rules fail (for bars: negative volume, high below low, open or close outside
[low, high]; for ticks: negative sizes, ask below bid) or its timestamp is earlier than an
earlier good row of the same file. A bad row's reason is the first of these checks it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]

from tickwire.data._arrow import Mask, Parsed, instrument_column, number_column
from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError, DataReport
from tickwire.data._timestamps import TimestampParser
from tickwire.data.chunks import BarChunk, Chunk, TickChunk, repeated_name

__all__ = ["BAR_SCHEMA", "TICK_SCHEMA", "FileConverter", "Schema"]

C = TypeVar("C", bound=Chunk)
Floats = npt.NDArray[np.float64]
Describe = Callable[[int], str]
Problem = tuple[str | None, Mask, Describe]
"""A check that failed somewhere: the column it blames, the failing rows, why for a row."""


@dataclass(frozen=True, slots=True)
class Schema(Generic[C]):
    """The columns of one kind of market data file and the rules its rows obey."""

    chunk_type: type[C]
    numbers: tuple[str, ...]
    """Numeric columns, in the chunk's field order after ``ts``."""
    optional: frozenset[str]
    """Numeric columns that may be absent from a file (they read as 0.0)."""
    rules: Callable[[Mapping[str, Floats]], list[Problem]]

    @property
    def wanted(self) -> tuple[str, ...]:
        return ("ts", *self.numbers, "instrument")

    @property
    def required(self) -> tuple[str, ...]:
        return ("ts", *(n for n in self.numbers if n not in self.optional))


def _bar_rules(c: Mapping[str, Floats]) -> list[Problem]:
    o, h, lo, cl, v = c["open"], c["high"], c["low"], c["close"], c["volume"]
    return [
        ("volume", v < 0, lambda i: f"negative volume {_num(v, i)}"),
        ("high", h < lo, lambda i: f"high {_num(h, i)} is below low {_num(lo, i)}"),
        (
            "open",
            (o < lo) | (o > h),
            lambda i: f"open {_num(o, i)} is outside [{_num(lo, i)}, {_num(h, i)}]",
        ),
        (
            "close",
            (cl < lo) | (cl > h),
            lambda i: f"close {_num(cl, i)} is outside [{_num(lo, i)}, {_num(h, i)}]",
        ),
    ]


def _tick_rules(c: Mapping[str, Floats]) -> list[Problem]:
    bid, ask, bs, asz = c["bid"], c["ask"], c["bid_size"], c["ask_size"]
    return [
        ("bid_size", bs < 0, lambda i: f"negative bid_size {_num(bs, i)}"),
        ("ask_size", asz < 0, lambda i: f"negative ask_size {_num(asz, i)}"),
        (
            "ask",
            ask < bid,
            lambda i: f"ask {_num(ask, i)} is below bid {_num(bid, i)} (crossed quote)",
        ),
    ]


BAR_SCHEMA = Schema(BarChunk, ("open", "high", "low", "close", "volume"), frozenset(), _bar_rules)
TICK_SCHEMA = Schema(
    TickChunk,
    ("bid", "ask", "bid_size", "ask_size"),
    frozenset({"bid_size", "ask_size"}),
    _tick_rules,
)


def _iso(ns: int) -> str:
    return f"{np.datetime64(ns, 'ns')}Z"


class FileConverter(Generic[C]):
    """Converts the raw batches of one file, carrying its time order across batches."""

    def __init__(
        self,
        path: str,
        schema: Schema[C],
        *,
        ts_unit: str,
        instrument: str,
        skip_bad_rows: bool,
        report: DataReport,
    ) -> None:
        self.path = path
        self.schema = schema
        self.timestamps = TimestampParser(ts_unit)
        self.instrument = instrument
        self.skip_bad_rows = skip_bad_rows
        self.report = report
        self.unit = "row" if path.lower().endswith((".parquet", ".pq")) else "line"
        self.latest = np.iinfo(np.int64).min
        """The latest timestamp of a good row so far: no later row may be earlier."""

    def convert(self, raw: RawBatch) -> C | None:
        """The good rows of ``raw`` as a chunk; raises DataError on a bad row unless skipping."""
        problems: list[Problem] = []
        ts = self._parse("ts", raw.columns["ts"], self.timestamps.parse)
        if self.timestamps.unit is not None:
            self.report.ts_units[self.path] = self.timestamps.unit
        if ts.bad is not None:
            problems.append(("ts", ts.bad, ts.reason))
        rows = len(raw.lines)
        numbers: dict[str, Floats] = {}
        for name in self.schema.numbers:
            arr = raw.columns.get(name)
            if arr is None:
                numbers[name] = np.zeros(rows)
                continue
            parsed = self._parse(name, arr, number_column)
            numbers[name] = parsed.values
            if parsed.bad is not None:
                problems.append((name, parsed.bad, parsed.reason))
        for name, values in numbers.items():
            nonfinite = ~np.isfinite(values)
            if nonfinite.any():
                problems.append((name, nonfinite, _nonfinite(values)))
        instruments = self._instruments(raw, rows, problems)
        for column, mask, describe in self.schema.rules(numbers):
            if mask.any():
                problems.append((column, mask, describe))
        bad = _union([mask for _, mask, _ in problems], rows)
        backwards = self._time_order(ts.values, bad)
        if backwards is not None:
            problems.append(backwards)
            bad = bad | backwards[1] if bad is not None else backwards[1]
        if bad is None and not raw.malformed:
            chunk = self.schema.chunk_type.from_columns([ts.values, *numbers.values(), instruments])
        else:
            keep = ~bad if bad is not None else slice(None)
            self._handle_bad(raw, bad, problems)
            columns = [ts.values, *numbers.values(), instruments]
            chunk = self.schema.chunk_type.from_columns([c[keep] for c in columns])
        self.report.rows += len(chunk)
        return chunk if len(chunk) else None

    def _parse(self, column: str, arr: Any, parse: Callable[[Any], Parsed]) -> Parsed:
        """``parse(arr)``, turning Arrow's refusal of a whole column type into a DataError."""
        try:
            return parse(arr)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            reason = f"cannot convert a column of type {arr.type} ({exc})"
            raise DataError(BadRow(self.path, None, column, reason, self.unit)) from exc

    def _instruments(self, raw: RawBatch, rows: int, problems: list[Problem]) -> npt.NDArray[Any]:
        arr = raw.columns.get("instrument")
        if arr is None:
            return repeated_name(self.instrument, rows)
        parsed = self._parse("instrument", arr, instrument_column)
        if parsed.bad is not None:
            problems.append(("instrument", parsed.bad, parsed.reason))
        return parsed.values

    def _time_order(self, ts: npt.NDArray[np.int64], bad: Mask | None) -> Problem | None:
        """Rows (among those not otherwise bad) earlier than a preceding good row."""
        good = np.flatnonzero(~bad) if bad is not None else None
        candidates = ts if good is None else ts[good]
        if not len(candidates):
            return None
        if candidates[0] >= self.latest and bool(np.all(candidates[1:] >= candidates[:-1])):
            self.latest = int(candidates[-1])
            return None
        # A row that goes back lies below the running maximum, so including it leaves the
        # maximum unchanged: the maximum over all candidates is the one over the rows kept.
        running = np.maximum.accumulate(np.concatenate(([self.latest], candidates)))
        earlier = candidates < running[:-1]
        self.latest = int(running[-1])
        where = np.flatnonzero(earlier) if good is None else good[earlier]
        previous = np.zeros(len(ts), dtype=np.int64)
        previous[where] = running[:-1][earlier]
        mask = np.zeros(len(ts), dtype=np.bool_)
        mask[where] = True

        def describe(i: int) -> str:
            return f"time goes backwards: {_iso(int(ts[i]))} is before {_iso(int(previous[i]))}"

        return ("ts", mask, describe)

    def _handle_bad(self, raw: RawBatch, bad: Mask | None, problems: list[Problem]) -> None:
        """Raise for the first bad row, or count the bad rows and keep the first few."""
        indices = np.flatnonzero(bad) if bad is not None else np.empty(0, np.int64)
        wanted = self.report.room() if self.skip_bad_rows else 1
        found = [self._bad_row(raw, int(i), problems) for i in indices[:wanted]]
        found = sorted([*found, *raw.malformed[:wanted]], key=lambda b: b.line or 0)
        if not self.skip_bad_rows:
            raise DataError(found[0])
        self.report.record_bad(len(indices) + len(raw.malformed), found)

    def _bad_row(self, raw: RawBatch, row: int, problems: list[Problem]) -> BadRow:
        for column, mask, describe in problems:
            if mask[row]:
                return BadRow(self.path, int(raw.lines[row]), column, describe(row), self.unit)
        raise AssertionError("a bad row fails at least one check")


def _num(values: Floats, row: int) -> str:
    """One value as Python prints a float (numpy 2's repr would add ``np.float64(...)``)."""
    return repr(float(values[row]))


def _nonfinite(values: Floats) -> Describe:
    return lambda i: f"NaN or infinite value {_num(values, i)}"


def _union(masks: list[Mask], rows: int) -> Mask | None:
    """The rows failing any check, or None when none does."""
    out = np.zeros(rows, dtype=np.bool_)
    for mask in masks:
        out |= mask
    return out if out.any() else None
