"""The unit a file reader hands over: raw columns plus where each row came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tickwire.data._report import BadRow

__all__ = ["RawBatch"]


@dataclass(slots=True)
class RawBatch:
    """Unconverted columns of consecutive rows of one file."""

    columns: dict[str, Any]
    """Canonical (lower-case) column name to Arrow array; absent optional columns are missing.
    Text is valid UTF-8: the readers replace what is not and list those rows in ``unreadable``.
    A reader that parsed a block itself (a plain CSV block) gives numpy arrays instead:
    float64 numbers, int64 ``ts`` (see ``ts_kind``) and ``str`` instrument names."""
    lines: npt.NDArray[np.int64]
    """Per row, its CSV line (header = 1) or 1-based Parquet row, for error messages."""
    malformed: list[BadRow] = field(default_factory=list)
    """Rows the parser could not split into the right number of fields, up to this batch's end."""
    unreadable: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)
    """Per column, the rows whose value was not UTF-8 text in the file (only columns with any)."""
    ts_kind: str | None = None
    """For a numpy ``ts``: ``"epoch"`` (integers in the file's unit) or ``"iso"`` (ISO 8601
    text, already in ns)."""
    instrument_codes: npt.NDArray[np.int64] | None = None
    """For numpy instrument names: per row, a number equal exactly when the names are."""
