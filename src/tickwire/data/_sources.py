"""``read_bars``/``read_ticks``: re-iterable sources of events or columnar chunks from files."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from tickwire.data._convert import BAR_SCHEMA, TICK_SCHEMA, FileConverter, Schema
from tickwire.data._csv import csv_batches, csv_header
from tickwire.data._events import bars_from_chunks, ticks_from_chunks
from tickwire.data._merge import merge_chunks
from tickwire.data._report import BadRow, DataError, DataReport
from tickwire.data._time_format import TimeFormat
from tickwire.data.chunks import BarChunk, Chunk, TickChunk
from tickwire.events import Bar, Tick

__all__ = ["BarSource", "PathArg", "TickSource", "read_bars", "read_ticks"]

C = TypeVar("C", bound=Chunk)
PathArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
"""One path or a sequence of paths; ``.parquet``/``.pq`` files are Parquet, others CSV."""


def _paths(paths: PathArg) -> tuple[str, ...]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not items:
        raise ValueError("no paths given")
    return tuple(os.fspath(p) for p in items)


class _FileSource(Generic[C]):
    """Files read in chunks and merged into one time-ordered stream; re-iterable."""

    def __init__(
        self,
        paths: PathArg,
        schema: Schema[C],
        *,
        instrument: str | None,
        ts_unit: str,
        skip_bad_rows: bool,
        allow_nonpositive_prices: bool,
    ) -> None:
        TimeFormat(ts_unit)  # Reject a bad unit now rather than at the first row.
        self.paths = _paths(paths)
        self.schema = schema
        self.instrument = instrument
        self.ts_unit = ts_unit
        self.skip_bad_rows = skip_bad_rows
        self.allow_nonpositive_prices = allow_nonpositive_prices
        self.report = DataReport(files=list(self.paths))
        """The report of the latest iteration, filled in as it goes."""

    def chunks(self) -> Iterator[C]:
        """A fresh pass over the data as columnar chunks (this resets ``report``)."""
        self.report = DataReport(files=list(self.paths))
        return merge_chunks([self._file(path, self.report) for path in self.paths])

    def _file(self, path: str, report: DataReport) -> Iterator[C]:
        converter = FileConverter(
            path,
            self.schema,
            ts_unit=self.ts_unit,
            instrument=self.instrument or Path(path).stem,
            skip_bad_rows=self.skip_bad_rows,
            allow_nonpositive_prices=self.allow_nonpositive_prices,
            report=report,
        )
        if path.lower().endswith((".parquet", ".pq")):
            from tickwire.data._parquet import parquet_batches  # loads pyarrow

            batches = parquet_batches(path, self.schema.wanted, self.schema.required)
        else:
            batches = csv_batches(
                path,
                self.schema.wanted,
                self.schema.required,
                accepts=lambda kind: converter.timestamps.accepts(kind),
            )
        for raw in batches:
            chunk = converter.convert(raw)
            if chunk is not None:
                yield chunk


class BarSource(_FileSource[BarChunk]):
    """Bars from CSV/Parquet files, in time order: iterate for ``Bar`` events, or ``chunks()``."""

    def __init__(
        self,
        paths: PathArg,
        *,
        instrument: str | None = None,
        ts_unit: str = "auto",
        skip_bad_rows: bool = False,
        interval: str = "",
        allow_nonpositive_prices: bool = False,
    ) -> None:
        super().__init__(
            paths,
            BAR_SCHEMA,
            instrument=instrument,
            ts_unit=ts_unit,
            skip_bad_rows=skip_bad_rows,
            allow_nonpositive_prices=allow_nonpositive_prices,
        )
        self.interval = interval

    def __iter__(self) -> Iterator[Bar]:
        return bars_from_chunks(self.chunks(), self.interval)

    @property
    def instruments(self) -> tuple[str, ...] | None:
        """The instruments of the bars, when the files say without reading rows: files
        without an ``instrument`` column name every row (``instrument``, else the stem).
        None when a file has the column (or its header cannot be read)."""
        names: dict[str, None] = {}
        for path in self.paths:
            try:
                columns = _column_names(path)
            except (OSError, DataError):
                return None
            if "instrument" in columns:
                return None
            names[self.instrument or Path(path).stem] = None
        return tuple(names)


class TickSource(_FileSource[TickChunk]):
    """Quotes from CSV/Parquet files in time order: iterate for ``Tick`` events, or ``chunks()``."""

    def __init__(
        self,
        paths: PathArg,
        *,
        instrument: str | None = None,
        ts_unit: str = "auto",
        skip_bad_rows: bool = False,
        allow_nonpositive_prices: bool = False,
    ) -> None:
        super().__init__(
            paths,
            TICK_SCHEMA,
            instrument=instrument,
            ts_unit=ts_unit,
            skip_bad_rows=skip_bad_rows,
            allow_nonpositive_prices=allow_nonpositive_prices,
        )

    def __iter__(self) -> Iterator[Tick]:
        return ticks_from_chunks(self.chunks())


def _column_names(path: str) -> list[str]:
    """A file's column names as the readers match them (stripped, lower case)."""
    if path.lower().endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # loads pyarrow

        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # not Parquet: the read itself says how, row by row
            raise DataError(BadRow(path, None, None, str(exc), "row")) from exc
        return [str(name).strip().lower() for name in names]
    return csv_header(path)[0]


def read_bars(
    paths: PathArg,
    *,
    instrument: str | None = None,
    ts_unit: str = "auto",
    skip_bad_rows: bool = False,
    interval: str = "",
    allow_nonpositive_prices: bool = False,
) -> BarSource:
    """Historical bars (``ts, open, high, low, close, volume[, instrument]``) from files.

    ``instrument`` names the bars of files without an ``instrument`` column (default: the
    file stem). ``ts_unit`` is the unit of epoch-number timestamps (``"auto"`` detects it
    from magnitude; ISO 8601 text needs none). ``interval`` labels every bar. Prices must
    be above 0 unless ``allow_nonpositive_prices=True`` (for instruments that really trade
    at or below zero: some spreads, power). Nothing is read until you iterate; see the
    package docstring for ordering and error rules.
    """
    return BarSource(
        paths,
        instrument=instrument,
        ts_unit=ts_unit,
        skip_bad_rows=skip_bad_rows,
        interval=interval,
        allow_nonpositive_prices=allow_nonpositive_prices,
    )


def read_ticks(
    paths: PathArg,
    *,
    instrument: str | None = None,
    ts_unit: str = "auto",
    skip_bad_rows: bool = False,
    allow_nonpositive_prices: bool = False,
) -> TickSource:
    """Historical quotes (``ts, bid, ask[, bid_size, ask_size][, instrument]``) from files.

    Sizes default to 0.0 when their columns are absent; several quotes of one instrument
    may share a timestamp (they keep their file order); otherwise as :func:`read_bars`.
    """
    return TickSource(
        paths,
        instrument=instrument,
        ts_unit=ts_unit,
        skip_bad_rows=skip_bad_rows,
        allow_nonpositive_prices=allow_nonpositive_prices,
    )
