"""What went wrong where: ``BadRow``, the ``DataError`` it raises, and the ``DataReport``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tickwire._exceptions import DataError

__all__ = ["MAX_BAD_SAMPLES", "BadRow", "DataError", "DataReport"]

MAX_BAD_SAMPLES = 5
"""How many bad rows a :class:`DataReport` keeps verbatim (the rest are only counted)."""


@dataclass(frozen=True, slots=True)
class BadRow:
    """One rejected row: where it is and why it was rejected."""

    path: str
    """The file the row came from."""
    line: int | None
    """CSV: 1-based physical line (the header is line 1). Parquet: 1-based row number."""
    column: str | None
    """The offending column, or None when the row as a whole is malformed."""
    reason: str
    """A human-readable explanation, quoting the bad value."""
    unit: str = "line"
    """What ``line`` counts: ``"line"`` for CSV, ``"row"`` for Parquet."""

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}, {self.unit} {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class DataReport:
    """What a read found so far; updated while iterating, complete once iteration ends."""

    files: list[str] = field(default_factory=list)
    """The files read, in the order given (this order breaks timestamp ties)."""
    ts_units: dict[str, str] = field(default_factory=dict)
    """Per file, how its timestamps were read: ``s``, ``ms``, ``us``, ``ns`` (epoch numbers,
    or Parquet timestamps, in that unit), ``iso`` (ISO 8601 text) or ``date`` (Parquet dates)."""
    rows: int = 0
    """Good rows produced so far."""
    bad_rows: int = 0
    """Rows skipped because they were bad (only with ``skip_bad_rows=True``)."""
    first_bad: list[BadRow] = field(default_factory=list)
    """The first :data:`MAX_BAD_SAMPLES` skipped rows, in the order they were found."""

    def room(self) -> int:
        """How many more bad rows ``first_bad`` keeps."""
        return MAX_BAD_SAMPLES - len(self.first_bad)

    def record_bad(self, count: int, samples: Sequence[BadRow]) -> None:
        """Count ``count`` skipped rows; keep ``samples`` (the first of them) while room lasts."""
        self.bad_rows += count
        self.first_bad.extend(samples[: self.room()])
