"""Timestamps to int64 nanoseconds: ISO 8601 text, or epoch numbers in a given or detected unit.

A file's timestamp format is fixed by its first usable value: numeric (an epoch, whose unit
comes from the caller or, with ``"auto"``, from that value's magnitude) or ISO 8601 text
(naive means UTC; ``T`` and ``Z`` may be lower case). Later values in another format are bad
rows, never reinterpreted. Spaces and one pair of double quotes around a value are ignored.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tickwire.data._arrow import (
    ColumnTypeError,
    Mask,
    Parsed,
    cast_or_locate,
    decoded,
    is_text,
    merge_masks,
    normalise_text,
    null_mask,
    to_numpy,
    unquoted,
)
from tickwire.data._time_format import FACTOR, TEMPLATE, TS_UNITS, TimeFormat, detect_unit

__all__ = ["TS_UNITS", "TimestampParser", "detect_unit"]


_INT64_MAX = np.iinfo(np.int64).max
_NUMERIC = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_INTEGER = r"^-?\d+$"
# A clock time followed by a zone designator; a bare date such as 2024-01-01 must not match.
_ZONED = r"\d\d:\d\d(:\d\d(\.\d*)?)?(Z|z|[+-]\d\d(:?\d\d)?)$"
_NAIVE = pa.timestamp("ns")
_UTC = pa.timestamp("ns", tz="UTC")
_EPOCH_Z = "1970-01-01T00:00:00Z"
_FORMAT_PROBES = 64


class TimestampParser(TimeFormat):
    """Converts one file's timestamp column chunk by chunk, remembering the format it found."""

    __slots__ = ()

    @classmethod
    def following(cls, found: TimeFormat) -> TimestampParser:
        """A parser that carries on with the format ``found`` so far."""
        parser = cls(found.requested)
        parser.unit = found.unit
        return parser

    def parse(self, arr: Any) -> Parsed:
        """Nanoseconds since the epoch for one chunk of the column.

        Raises ColumnTypeError for a column that holds no kind of time (bools, lists).
        """
        arr = decoded(arr)
        kind = arr.type
        if pa.types.is_boolean(kind) or not (
            pa.types.is_timestamp(kind)
            or pa.types.is_date(kind)
            or pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_null(kind)
            or is_text(arr)
        ):
            raise ColumnTypeError("expected timestamps, dates, epoch numbers or text")
        if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
            self.unit = self.unit or (arr.type.unit if pa.types.is_timestamp(arr.type) else "date")
            ns = pc.cast(
                pc.cast(arr, _UTC if getattr(arr.type, "tz", None) else _NAIVE), pa.int64()
            )
            return Parsed(to_numpy(ns, np.int64), null_mask(arr), arr, TEMPLATE)
        if is_text(arr):
            if self.unit is None:
                self.unit = self._text_format(arr)
            if self.unit == "iso":
                return self._iso(arr)
            return self._epoch_text(arr)
        return self._epoch(
            arr, pc.cast(arr, pa.float64()) if pa.types.is_floating(arr.type) else arr
        )

    def _text_format(self, arr: Any) -> str | None:
        """``iso`` or an epoch unit, from the first value that is either (None if none is).

        Only the first few values are tried: a chunk with none usable is not market data.
        """
        for row in range(min(len(arr), _FORMAT_PROBES)):
            value = unquoted(arr[row].as_py())
            if _NUMERIC.match(value) is not None:
                return self.epoch_unit(float(value))
            if value and _is_iso(value):
                return "iso"
        return None

    def _iso(self, raw: Any) -> Parsed:
        nulls = null_mask(raw)
        arr = raw
        ns = _iso_ns(arr)
        if ns is None:
            # Only text the plain casts refuse is normalised: clean files pay nothing.
            arr = _normalise_iso(raw)
            ns = _iso_ns(arr)
        if ns is not None:
            return Parsed(to_numpy(ns, np.int64), nulls, raw, TEMPLATE)
        # Mixed naive and zoned values: convert each kind with its own cast.
        zoned = to_numpy(pc.fill_null(pc.match_substring_regex(arr, _ZONED), False), np.bool_)
        naive_part, naive_bad = cast_or_locate(
            pc.if_else(pa.array(zoned), "1970-01-01", arr), _NAIVE, "1970-01-01"
        )
        zoned_part, zoned_bad = cast_or_locate(
            pc.if_else(pa.array(zoned), arr, _EPOCH_Z), _UTC, _EPOCH_Z
        )
        naive_ns = to_numpy(pc.cast(naive_part, pa.int64()), np.int64)
        zoned_ns = to_numpy(pc.cast(zoned_part, pa.int64()), np.int64)
        return Parsed(
            np.where(zoned, zoned_ns, naive_ns),
            merge_masks(nulls, naive_bad, zoned_bad),
            raw,
            TEMPLATE,
        )

    def _epoch_text(self, raw: Any) -> Parsed:
        try:
            return self._epoch(raw, pc.cast(raw, pa.int64()))
        except pa.ArrowInvalid:
            pass
        arr = normalise_text(raw)
        try:
            return self._epoch(raw, pc.cast(arr, pa.int64()))
        except pa.ArrowInvalid:
            pass
        # Integers stay exact (a float64 cannot hold every epoch in ns); the rest go via float.
        integral = pa.array(to_numpy(pc.match_substring_regex(arr, _INTEGER), np.bool_))
        ints, int_bad = cast_or_locate(pc.if_else(integral, arr, "0"), pa.int64(), "0")
        floats, float_bad = cast_or_locate(pc.if_else(integral, "0", arr), pa.float64(), "0")
        from_ints = self._epoch(raw, ints)
        from_floats = self._epoch(raw, floats)
        use_ints = integral.to_numpy(zero_copy_only=False)
        return Parsed(
            np.where(use_ints, from_ints.values, from_floats.values),
            merge_masks(
                int_bad,
                float_bad,
                np.where(use_ints, _or_false(from_ints.bad), _or_false(from_floats.bad)),
            ),
            raw,
            TEMPLATE,
        )

    def _epoch(self, raw: Any, numbers: Any) -> Parsed:
        """Scale epoch numbers (an int64 or float64 Arrow array) to ns, masking out-of-range."""
        nulls = null_mask(numbers)
        if pa.types.is_floating(numbers.type):
            values = to_numpy(numbers, np.float64)
            if self.unit is None:
                self.unit = self._first_unit(values, nulls)
            return self._scale_floats(raw, values, nulls)
        ints = to_numpy(pc.cast(numbers, pa.int64()), np.int64)
        if self.unit is None:
            self.unit = self._first_unit(ints, nulls)
        factor = FACTOR[self.unit or "ns"]
        limit = _INT64_MAX // factor
        out_of_range = (ints > limit) | (ints < -limit)
        ns = np.where(out_of_range, 0, ints) * factor
        return Parsed(
            ns, merge_masks(nulls, out_of_range if out_of_range.any() else None), raw, TEMPLATE
        )

    def _first_unit(self, values: npt.NDArray[Any], nulls: Mask | None) -> str | None:
        usable = values if nulls is None else values[~nulls]
        usable = usable[np.isfinite(usable)] if usable.dtype.kind == "f" else usable
        return self.epoch_unit(float(usable[0])) if len(usable) else None

    def _scale_floats(
        self, raw: Any, values: npt.NDArray[np.float64], nulls: Mask | None
    ) -> Parsed:
        factor = FACTOR[self.unit or "ns"]
        # Below 2**63 / factor, with margin for rounding of the float bound itself.
        unusable = ~np.isfinite(values) | (np.abs(values) >= _INT64_MAX / factor * 0.999)
        safe = np.where(unusable, 0.0, values)
        whole = np.floor(safe)
        # Whole and fractional parts are scaled separately so whole seconds stay exact.
        ns = whole.astype(np.int64) * factor + np.round((safe - whole) * factor).astype(np.int64)
        return Parsed(ns, merge_masks(nulls, unusable if unusable.any() else None), raw, TEMPLATE)


def _iso_ns(arr: Any) -> Any:
    """Nanoseconds of ISO text that is all naive or all zoned; None if it is neither."""
    for target in (_NAIVE, _UTC):
        try:
            return pc.cast(pc.cast(arr, target), pa.int64())
        except pa.ArrowInvalid:
            continue
    return None


def _normalise_iso(arr: Any) -> Any:
    """ISO text without spaces or quotes around it, and with upper-case ``T`` and ``Z``."""
    text = pc.replace_substring_regex(normalise_text(arr), r"^(\d{4}-\d\d-\d\d)t", r"\1T")
    return pc.replace_substring_regex(text, "z$", "Z")


def _is_iso(value: str) -> bool:
    """Whether one value reads as an ISO 8601 time, naive or zoned."""
    return _iso_ns(_normalise_iso(pa.array([value]))) is not None


def _or_false(mask: Mask | None) -> Mask | bool:
    return False if mask is None else mask
