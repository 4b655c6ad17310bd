"""A converted column and why its bad rows are bad: shared by every reader and converter.

Free of Arrow, so that files read without it (plain CSV) never load it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ColumnTypeError", "Mask", "Parsed", "merge_masks", "quote"]

Mask = npt.NDArray[np.bool_]
_QUOTE_CHARS = 40
"""Longest value quoted whole in an error message; longer ones are cut."""


class ColumnTypeError(Exception):
    """A column whose Arrow type cannot hold what the column means (a bool price)."""


def quote(value: str) -> str:
    """``repr(value)``, cut to a readable length."""
    if len(value) > _QUOTE_CHARS:
        return repr(value[:_QUOTE_CHARS]) + f"... ({len(value):,} characters)"
    return repr(value)


@dataclass(slots=True)
class Parsed:
    """A converted column, the rows that failed to convert, and the raw column to quote."""

    values: npt.NDArray[Any]
    bad: Mask | None
    """Rows whose raw value is missing or unparseable (their ``values`` are placeholders)."""
    raw: Any
    """The source column (an Arrow array, or numpy for a plain CSV block), quoted in errors."""
    template: str = "cannot parse {value} as a number"
    codes: npt.NDArray[np.int64] | None = None
    """For instruments: per row, a number that is equal exactly when the names are."""

    def reason(self, row: int) -> str:
        """Why row ``row`` of this column is bad."""
        item = self.raw[row]
        value = item.as_py() if hasattr(item, "as_py") else item.item()
        if value is None:
            return "missing value"
        if value == "":
            return "empty field"
        return self.template.format(value=quote(str(value)))


def merge_masks(*masks: Mask | None) -> Mask | None:
    """The union of the given masks, ignoring Nones."""
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = present[0]
    for m in present[1:]:
        out = out | m
    return out
