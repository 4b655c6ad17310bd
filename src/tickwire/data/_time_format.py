"""A file's timestamp format as found so far, and epoch integers to nanoseconds.

Free of Arrow, so that files read without it (plain CSV) never load it;
``tickwire.data._timestamps.TimestampParser`` adds the Arrow columns to it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tickwire.data._parsed import Mask, Parsed, merge_masks

__all__ = ["FACTOR", "TEMPLATE", "TS_UNITS", "TimeFormat", "detect_unit"]

TS_UNITS = ("s", "ms", "us", "ns")
FACTOR = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
TEMPLATE = "{value} is not a valid timestamp"
_INT64_MAX = np.iinfo(np.int64).max


def detect_unit(value: float) -> str:
    """The epoch unit of ``value``: s below 1e11, ms below 1e14, us below 1e17, else ns.

    Right for any date from March 1973 to the year 5138: its seconds are below 1e11 and its
    milliseconds above, and likewise for each further factor of 1000.
    """
    magnitude = abs(value)
    for unit, limit in (("s", 1e11), ("ms", 1e14), ("us", 1e17)):
        if magnitude < limit:
            return unit
    return "ns"


class TimeFormat:
    """One file's timestamp format: fixed by its first usable value, kept for the rest."""

    __slots__ = ("requested", "unit")

    def __init__(self, ts_unit: str) -> None:
        if ts_unit != "auto" and ts_unit not in TS_UNITS:
            raise ValueError(f"ts_unit must be 'auto' or one of {TS_UNITS}, not {ts_unit!r}")
        self.requested = ts_unit
        self.unit: str | None = None
        """``s``/``ms``/``us``/``ns`` for epochs and Arrow timestamps, ``iso`` for text,
        ``date`` for Arrow dates; None until decided."""

    def accepts(self, kind: str) -> bool:
        """Whether a plain block's ``ts`` of ``kind`` (``epoch``/``iso``) fits the format
        found so far (a later value in another format is a bad row, for Arrow's path)."""
        if self.unit is None:
            return True
        return (self.unit == "iso") == (kind == "iso")

    def plain(self, values: npt.NDArray[np.int64], kind: str) -> Parsed:
        """Nanoseconds for a plain block's ``ts``: ISO times (already ns) or epoch integers."""
        if kind == "iso":
            self.unit = "iso"
            return Parsed(values, None, values, TEMPLATE)
        return self.epoch_ints(values, values, None)

    def epoch_ints(self, raw: object, ints: npt.NDArray[np.int64], nulls: Mask | None) -> Parsed:
        """Epoch integers scaled to ns, masking those out of the int64 range."""
        if self.unit is None:
            usable = ints if nulls is None else ints[~nulls]
            self.unit = self.epoch_unit(float(usable[0])) if len(usable) else None
        factor = FACTOR[self.unit or "ns"]
        limit = _INT64_MAX // factor
        out_of_range = (ints > limit) | (ints < -limit)
        if not out_of_range.any():
            return Parsed(ints * factor if factor != 1 else ints, nulls, raw, TEMPLATE)
        ns = np.where(out_of_range, 0, ints) * factor
        return Parsed(ns, merge_masks(nulls, out_of_range), raw, TEMPLATE)

    def epoch_unit(self, first: float) -> str:
        """The unit of a file whose first epoch number is ``first``."""
        return detect_unit(first) if self.requested == "auto" else self.requested
