"""Arrow columns to numpy arrays, marking (not guessing) every value that cannot be converted."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from tickwire.data._parsed import ColumnTypeError, Mask, Parsed, merge_masks, quote

__all__ = [
    "ColumnTypeError",
    "Mask",
    "Parsed",
    "cast_or_locate",
    "decoded",
    "instrument_column",
    "is_text",
    "marked_rows",
    "merge_masks",
    "normalise_text",
    "number_column",
    "quote",
    "unquoted",
    "valid_utf8",
]

_QUOTED = r'^\s*"(.*)"\s*$'


def is_text(arr: Any) -> bool:
    """Whether an Arrow array holds strings (the CSV reader reads every field as text)."""
    kind = arr.type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind)) or _is_view(kind)


def _is_view(kind: Any) -> bool:
    return bool(getattr(pa.types, "is_string_view", lambda _: False)(kind))


def null_mask(arr: Any) -> Mask | None:
    """The rows that are null, or None when there are none (the common case)."""
    if arr.null_count == 0:
        return None
    mask: Mask = arr.is_null().to_numpy(zero_copy_only=False)
    return mask


def normalise_text(arr: Any) -> Any:
    """Text as other tools write it: surrounding spaces and one pair of double quotes removed."""
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, _QUOTED, r"\1"))


def cast_or_locate(arr: Any, target: Any, placeholder: str) -> tuple[Any, Mask | None]:
    """Cast text to ``target``; on failure, retry without spaces and quotes around the
    values, then find the rows that still fail by bisection.

    Only text that fails the plain cast is normalised, so clean files pay nothing for it.
    Bisection keeps Arrow's own grammar as the single definition of a valid value, so a
    chunk with one bad field converts exactly like a clean chunk everywhere else. Failing
    rows get ``placeholder`` and are returned in the mask.
    """
    try:
        return pc.cast(arr, target), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    arr = normalise_text(arr)
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


def decoded(arr: Any) -> Any:
    """A dictionary-encoded array as plain values; anything else as it is."""
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def number_column(arr: Any) -> Parsed:
    """A float64 column from text or a numeric Arrow type; ColumnTypeError for any other."""
    arr = decoded(arr)
    kind = arr.type
    nulls = null_mask(arr)
    if is_text(arr):
        cast, unparseable = cast_or_locate(arr, pa.float64(), "0")
    elif (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_null(kind)
    ):
        cast, unparseable = pc.cast(arr, pa.float64()), None
    elif pa.types.is_boolean(kind):
        raise ColumnTypeError("true/false values are not numbers")
    else:
        raise ColumnTypeError("expected numbers or text")
    return Parsed(to_numpy(cast, np.float64), merge_masks(nulls, unparseable), arr)


def _as_text_dictionary(arr: Any) -> Any:
    """Instrument names dictionary-encoded as text; integers become their decimal digits."""
    kind = arr.type
    values = kind.value_type if pa.types.is_dictionary(kind) else kind
    if pa.types.is_integer(values):
        if pa.types.is_dictionary(kind):
            arr = arr.dictionary_decode()
        return pc.cast(arr, pa.string()).dictionary_encode()
    if not (pa.types.is_string(values) or pa.types.is_large_string(values) or _is_view(values)):
        raise ColumnTypeError("expected text, or integers (read as their digits)")
    if pa.types.is_dictionary(kind):
        return arr
    return pc.cast(arr, pa.string()).dictionary_encode()


def unquoted(value: str | None) -> str:
    """One value as written, without surrounding spaces and one pair of double quotes."""
    name = (value or "").strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    return name


def instrument_column(arr: Any) -> Parsed:
    """Instrument names as an object array sharing one ``str`` per distinct name."""
    encoded = _as_text_dictionary(arr)
    canonical: dict[str, int] = {}
    labels: list[str] = []
    code_of_label = []
    for value in encoded.dictionary.to_pylist():
        name = unquoted(value)
        if name not in canonical:
            canonical[name] = len(labels)
            labels.append(name)
        code_of_label.append(canonical[name])
    names = np.empty(max(len(labels), 1), dtype=object)
    names[:] = labels or [""]
    label_codes = np.asarray(code_of_label or [0], dtype=np.int64)
    codes = label_codes[to_numpy(encoded.indices, np.int64)]
    empty_code = canonical.get("")
    empty = codes == empty_code if empty_code is not None else None
    return Parsed(
        names[codes],
        merge_masks(null_mask(encoded), empty),
        arr,
        "{value} is not an instrument name",
        codes,
    )


def marked_rows(arr: Any, marker: str) -> Mask | None:
    """Rows of a text (or dictionary of text) column whose value contains ``marker``."""
    if pa.types.is_dictionary(arr.type):
        labels = pc.match_substring(arr.dictionary, marker).to_numpy(zero_copy_only=False)
        if not labels.any():
            return None
        rows: Mask = labels[to_numpy(arr.indices, np.int64)]
        if arr.null_count:
            rows &= ~arr.is_null().to_numpy(zero_copy_only=False)
    else:
        rows = to_numpy(pc.fill_null(pc.match_substring(arr, marker), False), np.bool_)
    return rows if rows.any() else None


def valid_utf8(arr: Any, placeholder: str) -> tuple[Any, Mask | None]:
    """``arr`` with text values that are not UTF-8 replaced by ``placeholder``, and their rows.

    Parquet files can hold such bytes in a string column; Arrow would fail on them later,
    at the first conversion, for the whole column.
    """
    dictionary = pa.types.is_dictionary(arr.type)
    values = arr.dictionary if dictionary else arr
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return arr, None
    try:
        values.validate(full=True)
        return arr, None
    except pa.ArrowInvalid:
        pass
    binary = pa.large_binary() if pa.types.is_large_string(values.type) else pa.binary()
    raw = values.view(binary).to_pylist()
    bad_values = np.array([_not_utf8(v) for v in raw], dtype=np.bool_)
    fixed = pc.if_else(pa.array(bad_values), pa.scalar(placeholder, values.type), values)
    if not dictionary:
        return fixed, bad_values
    rows: Mask = bad_values[to_numpy(arr.indices, np.int64)]
    if arr.null_count:
        rows &= ~arr.is_null().to_numpy(zero_copy_only=False)
    return pa.DictionaryArray.from_arrays(arr.indices, fixed), rows


def _not_utf8(value: bytes | None) -> bool:
    if value is None:
        return False
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
