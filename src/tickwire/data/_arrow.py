"""Arrow columns to numpy arrays, marking (not guessing) every value that cannot be converted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

__all__ = ["Parsed", "cast_or_locate", "instrument_column", "is_text", "number_column"]

Mask = npt.NDArray[np.bool_]


@dataclass(slots=True)
class Parsed:
    """A converted column, the rows that failed to convert, and the raw column to quote."""

    values: npt.NDArray[Any]
    bad: Mask | None
    """Rows whose raw value is missing or unparseable (their ``values`` are placeholders)."""
    raw: Any
    """The source Arrow array, quoted in error messages."""
    template: str = "cannot parse {value!r} as a number"

    def reason(self, row: int) -> str:
        """Why row ``row`` of this column is bad."""
        value = self.raw[row].as_py()
        if value is None:
            return "missing value"
        if value == "":
            return "empty field"
        return self.template.format(value=value)


def is_text(arr: Any) -> bool:
    """Whether an Arrow array holds strings (the CSV reader reads every field as text)."""
    return bool(pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type))


def null_mask(arr: Any) -> Mask | None:
    """The rows that are null, or None when there are none (the common case)."""
    if arr.null_count == 0:
        return None
    mask: Mask = arr.is_null().to_numpy(zero_copy_only=False)
    return mask


def merge_masks(*masks: Mask | None) -> Mask | None:
    """The union of the given masks, ignoring Nones."""
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = present[0]
    for m in present[1:]:
        out = out | m
    return out


def cast_or_locate(arr: Any, target: Any, placeholder: str) -> tuple[Any, Mask | None]:
    """Cast text to ``target``; on failure, find the failing rows by bisection.

    Bisection keeps Arrow's own grammar as the single definition of a valid value, so a
    chunk with one bad field converts exactly like a clean chunk everywhere else. Failing
    rows get ``placeholder`` and are returned in the mask.
    """
    try:
        return pc.cast(arr, target), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    bad = np.zeros(len(arr), dtype=np.bool_)
    _locate(arr, target, 0, bad)
    cleaned = pc.if_else(pa.array(bad), pa.scalar(placeholder, arr.type), arr)
    return pc.cast(cleaned, target), bad


def _locate(arr: Any, target: Any, offset: int, bad: Mask) -> None:
    """Mark the rows of ``arr`` (known to fail as a whole) that fail to cast on their own."""
    if len(arr) == 1:
        bad[offset] = True
        return
    half = len(arr) // 2
    for start, part in ((0, arr.slice(0, half)), (half, arr.slice(half))):
        try:
            pc.cast(part, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            _locate(part, target, offset + start, bad)


def to_numpy(arr: Any, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A numpy array of ``dtype``, nulls replaced by zero (callers mask them separately)."""
    if arr.null_count:
        arr = pc.fill_null(arr, 0)
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=dtype)


def number_column(arr: Any) -> Parsed:
    """A float64 column from text or any numeric Arrow type."""
    nulls = null_mask(arr)
    if is_text(arr):
        cast, unparseable = cast_or_locate(arr, pa.float64(), "0")
    else:
        cast, unparseable = pc.cast(arr, pa.float64()), None
    return Parsed(to_numpy(cast, np.float64), merge_masks(nulls, unparseable), arr)


def instrument_column(arr: Any) -> Parsed:
    """Instrument names as an object array sharing one ``str`` per distinct name."""
    if pa.types.is_dictionary(arr.type):
        encoded = arr
    else:
        encoded = pc.cast(arr, pa.string()).dictionary_encode()
    labels = [str(label) for label in encoded.dictionary.to_pylist()] or [""]
    names = np.empty(len(labels), dtype=object)
    names[:] = labels
    codes = to_numpy(encoded.indices, np.int64)
    empty = pc.fill_null(pc.equal(encoded, ""), False).to_numpy(zero_copy_only=False)
    return Parsed(names[codes], merge_masks(null_mask(arr), empty if empty.any() else None), arr)
