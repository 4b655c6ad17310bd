"""Raw batches to validated chunks: parse, check every row, then raise or skip the bad ones.

A row is bad when a field is not UTF-8 text, missing or unparseable, a number is NaN or
infinite, the schema's rules fail (the rules of ``tickwire.events.market_data_problem``:
prices above 0 unless ``allow_nonpositive_prices``; for bars: volume not negative, high not
below low, open and close inside [low, high]; for ticks: sizes not negative, ask not below
bid), its timestamp is earlier than an earlier good row of the same file, or (bars only) an
earlier good row of the same file has the same instrument and timestamp. A bad row's
reason is the first of these checks it fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from tickwire.data._lines import NOT_UTF8
from tickwire.data._parsed import ColumnTypeError, Mask, Parsed, quote
from tickwire.data._raw import RawBatch
from tickwire.data._report import BadRow, DataError, DataReport
from tickwire.data._time_format import TimeFormat
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
    prices: tuple[str, ...]
    """Columns that must be above 0 unless non-positive prices are allowed."""
    rules: Callable[[Mapping[str, Floats]], list[Problem]]
    """The checks relating the columns of a row (after each column's own checks)."""
    unique_times: bool
    """Whether two rows of one instrument at one timestamp are bad: for bars, two bars of
    an instrument for the same time are a data error; several quotes in one nanosecond
    are not."""

    @property
    def wanted(self) -> tuple[str, ...]:
        return ("ts", *self.numbers, "instrument")

    @property
    def required(self) -> tuple[str, ...]:
        return ("ts", *(n for n in self.numbers if n not in self.optional))


def _price_rules(c: Mapping[str, Floats], prices: tuple[str, ...]) -> list[Problem]:
    return [(name, c[name] <= 0, _not_positive(name, c[name])) for name in prices]


def _not_positive(name: str, values: Floats) -> Describe:
    return lambda i: (
        f"{name} {_num(values, i)} is not above 0 (allow_nonpositive_prices=True accepts it)"
    )


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


BAR_SCHEMA = Schema(
    BarChunk,
    ("open", "high", "low", "close", "volume"),
    frozenset(),
    ("open", "high", "low", "close"),
    _bar_rules,
    unique_times=True,
)
TICK_SCHEMA = Schema(
    TickChunk,
    ("bid", "ask", "bid_size", "ask_size"),
    frozenset({"bid_size", "ask_size"}),
    ("bid", "ask"),
    _tick_rules,
    unique_times=False,
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
        allow_nonpositive_prices: bool,
        report: DataReport,
    ) -> None:
        self.path = path
        self.schema = schema
        self.timestamps = TimeFormat(ts_unit)
        """The file's timestamp format; a ``TimestampParser`` once an Arrow column came."""
        self.instrument = instrument
        self.skip_bad_rows = skip_bad_rows
        self.allow_nonpositive_prices = allow_nonpositive_prices
        self.report = report
        self.unit = "row" if path.lower().endswith((".parquet", ".pq")) else "line"
        self.latest = np.iinfo(np.int64).min
        """The latest timestamp of a good row so far: no later row may be earlier."""
        self.last_kept = np.iinfo(np.int64).min
        """With ``schema.unique_times``: the time of the latest good row so far."""
        self.at_last_kept: dict[str, int] = {}
        """The instruments with a good row at ``last_kept``, each with that row's line."""

    def convert(self, raw: RawBatch) -> C | None:
        """The good rows of ``raw`` as a chunk; raises DataError on a bad row unless skipping."""
        problems: list[Problem] = [
            (column, mask, _not_utf8(raw.columns[column]))
            for column, mask in raw.unreadable.items()
        ]
        ts = self._timestamps(raw)
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
            parsed = self._numbers(name, arr)
            numbers[name] = parsed.values
            if parsed.bad is not None:
                problems.append((name, parsed.bad, parsed.reason))
        for name, values in numbers.items():
            nonfinite = ~np.isfinite(values)
            if nonfinite.any():
                problems.append((name, nonfinite, _nonfinite(values)))
        instruments, codes = self._instruments(raw, rows, problems)
        checks = [] if self.allow_nonpositive_prices else _price_rules(numbers, self.schema.prices)
        for column, mask, describe in checks + self.schema.rules(numbers):
            if mask.any():
                problems.append((column, mask, describe))
        bad = _union([mask for _, mask, _ in problems], rows)
        # These two look only at rows that passed every check above, and at each other.
        bad = _add(problems, bad, self._time_order(ts.values, bad))
        if self.schema.unique_times:
            bad = _add(problems, bad, self._repeated(ts.values, instruments, codes, raw, bad))
        if bad is None and not raw.malformed:
            chunk = self.schema.chunk_type.from_columns([ts.values, *numbers.values(), instruments])
        else:
            keep = ~bad if bad is not None else slice(None)
            self._handle_bad(raw, bad, problems)
            columns = [ts.values, *numbers.values(), instruments]
            chunk = self.schema.chunk_type.from_columns([c[keep] for c in columns])
        self.report.rows += len(chunk)
        return chunk if len(chunk) else None

    def _timestamps(self, raw: RawBatch) -> Parsed:
        """The batch's times in ns: numpy from a plain CSV block, else an Arrow column."""
        arr = raw.columns["ts"]
        if isinstance(arr, np.ndarray):
            assert raw.ts_kind is not None
            return self.timestamps.plain(arr, raw.ts_kind)
        from tickwire.data._timestamps import TimestampParser  # loads pyarrow

        if not isinstance(self.timestamps, TimestampParser):
            self.timestamps = TimestampParser.following(self.timestamps)
        return self._parse("ts", arr, self.timestamps.parse)

    def _numbers(self, name: str, arr: Any) -> Parsed:
        """A float64 column: numpy from a plain CSV block as it is, else converted."""
        if isinstance(arr, np.ndarray):
            return Parsed(arr, None, arr)
        from tickwire.data._arrow import number_column  # loads pyarrow

        return self._parse(name, arr, number_column)

    def _parse(self, column: str, arr: Any, parse: Callable[[Any], Parsed]) -> Parsed:
        """``parse(arr)``, turning the refusal of a whole column type into a DataError."""
        import pyarrow as pa  # type: ignore[import-untyped]  # loaded: arr is an Arrow array

        try:
            return parse(arr)
        except ColumnTypeError as exc:
            reason = f"cannot convert a column of type {arr.type}: {exc}"
            raise DataError(BadRow(self.path, None, column, reason, self.unit)) from exc
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            reason = f"cannot convert a column of type {arr.type} ({exc})"
            raise DataError(BadRow(self.path, None, column, reason, self.unit)) from exc

    def _instruments(
        self, raw: RawBatch, rows: int, problems: list[Problem]
    ) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
        """Per row, the instrument name and a code equal exactly for equal names."""
        arr = raw.columns.get("instrument")
        if arr is None:
            return repeated_name(self.instrument, rows), np.zeros(rows, dtype=np.int64)
        if raw.instrument_codes is not None:  # a plain CSV block: names already checked
            return arr, raw.instrument_codes
        from tickwire.data._arrow import instrument_column  # loads pyarrow

        parsed = self._parse("instrument", arr, instrument_column)
        if parsed.bad is not None:
            problems.append(("instrument", parsed.bad, parsed.reason))
        assert parsed.codes is not None
        return parsed.values, parsed.codes

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

    def _repeated(
        self,
        ts: npt.NDArray[np.int64],
        names: npt.NDArray[Any],
        codes: npt.NDArray[np.int64],
        raw: RawBatch,
        bad: Mask | None,
    ) -> Problem | None:
        """Rows (among those not otherwise bad) whose instrument has a good row at their time."""
        if bad is None:  # the common case: views, no copies
            good, times, lines, kinds = None, ts, raw.lines, codes
        else:
            good = np.flatnonzero(~bad)
            times, lines, kinds = ts[good], raw.lines[good], codes[good]
        if not len(times):
            return None
        previous = self.at_last_kept if int(times[0]) == self.last_kept else {}
        found = _repeats(times, kinds, lines)
        repeated, first_line = found if found is not None else (None, None)
        # The rows at the previous batch's last time, against the instruments it had there.
        for j in range(int(np.searchsorted(times, times[0], "right")) if previous else 0):
            line = previous.get(names[j if good is None else good[j]])
            if line is not None:
                if repeated is None or first_line is None:
                    repeated = np.zeros(len(times), dtype=np.bool_)
                    first_line = np.zeros(len(times), dtype=np.int64)
                repeated[j] = True
                first_line[j] = line
        self._remember_last(times, names, good, lines, repeated, previous)
        if repeated is None or first_line is None:
            return None
        if good is None:
            mask, earlier = repeated, first_line
        else:
            mask = np.zeros(len(ts), dtype=np.bool_)
            mask[good[repeated]] = True
            earlier = np.zeros(len(ts), dtype=np.int64)
            earlier[good] = first_line

        def describe(i: int) -> str:
            return (
                f"a second bar of {names[i]} at {_iso(int(ts[i]))} "
                f"(the first is {self.unit} {int(earlier[i])})"
            )

        return ("ts", mask, describe)

    def _remember_last(
        self,
        times: npt.NDArray[np.int64],
        names: npt.NDArray[Any],
        good: npt.NDArray[np.intp] | None,
        lines: npt.NDArray[np.int64],
        repeated: Mask | None,
        previous: dict[str, int],
    ) -> None:
        """Keep the instruments of the good rows at the batch's last time, for the next."""
        last = int(times[-1])
        start = int(np.searchsorted(times, last, "left"))
        kept = dict(previous) if last == self.last_kept else {}
        for j in range(start, len(times)):
            if repeated is None or not repeated[j]:
                kept.setdefault(names[j if good is None else good[j]], int(lines[j]))
        self.at_last_kept = kept
        self.last_kept = last

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


def _repeats(
    times: npt.NDArray[np.int64], kinds: npt.NDArray[np.int64], lines: npt.NDArray[np.int64]
) -> tuple[Mask, npt.NDArray[np.int64]] | None:
    """Rows (in time order) with the same instrument code and time as an earlier row, and
    per row the line of the first row of that instrument and time; None if there are none."""
    ties = times[1:] == times[:-1]
    if not ties.any():
        return None
    # Number the runs of equal times; a (run, instrument) pair seen twice is a repeat. With
    # few instruments a count per pair finds out in linear time whether any is.
    run = np.concatenate(([0], np.cumsum(~ties)))
    width = int(kinds.max()) + 1
    few = (int(run[-1]) + 1) * width <= 4 * len(times)
    if few and int(np.bincount(run * width + kinds).max()) < 2:
        return None
    order = np.lexsort((kinds, run))
    key_run, key_kind = run[order], kinds[order]
    again = np.concatenate(
        ([False], (key_run[1:] == key_run[:-1]) & (key_kind[1:] == key_kind[:-1]))
    )
    if not again.any():
        return None
    repeated = np.zeros(len(times), dtype=np.bool_)
    repeated[order[again]] = True
    run_start = np.maximum.accumulate(np.where(again, 0, np.arange(len(order))))
    first_line = np.empty(len(times), dtype=np.int64)
    first_line[order] = lines[order[run_start]]
    return repeated, first_line


def _add(problems: list[Problem], bad: Mask | None, problem: Problem | None) -> Mask | None:
    """Append ``problem`` (if any) to ``problems``; the bad rows including its rows."""
    if problem is None:
        return bad
    problems.append(problem)
    return problem[1] if bad is None else bad | problem[1]


def _not_utf8(column: Any) -> Describe:
    def describe(i: int) -> str:
        shown = str(column[i].as_py()).replace(NOT_UTF8, "\ufffd")
        return f"not UTF-8 text: {quote(shown)} (\ufffd marks each byte that is not)"

    return describe


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
