"""Points in Python: what ``_points.c`` does, for builds without a C compiler."""

from __future__ import annotations

from array import array
from bisect import bisect_left

__all__ = ["Points"]


class Points:
    """Growable (int64 time, float64 value) points, times increasing."""

    __slots__ = ("_times", "_values")

    def __init__(self) -> None:
        self._times: array[int] = array("q")
        self._values: array[float] = array("d")

    def __len__(self) -> int:
        return len(self._times)

    def append(self, time: int, value: float) -> None:
        """Add a point later than every earlier one."""
        times = self._times
        if times and time <= times[-1]:
            raise ValueError(f"point time {time} is not later than the last one ({times[-1]})")
        values = self._values
        values.append(value)
        try:
            times.append(time)
        except (TypeError, OverflowError, BufferError):
            values.pop()  # keep the columns equally long
            raise

    def set_last(self, value: float) -> None:
        """Replace the value of the newest point."""
        if not self._values:
            raise IndexError("set_last on an empty Points")
        self._values[-1] = value

    def count_before(self, time: int, start: int = 0) -> int:
        """How many points are earlier than ``time``; the search starts at ``start``,
        which must not be past the answer."""
        times = self._times
        if not 0 <= start <= len(times):
            raise IndexError(f"count_before: start {start} outside 0..{len(times)}")
        if not times or times[-1] < time:
            return len(times)
        return bisect_left(times, time, start)

    def times(self) -> array[int]:
        """The times, a copy as an ``array('q')``."""
        return self._times[:]

    def values(self) -> array[float]:
        """The values, a copy as an ``array('d')``."""
        return self._values[:]

    def times_view(self) -> memoryview:
        """The times without a copy (read-only); the points cannot grow while it is held."""
        return memoryview(self._times).toreadonly()

    def values_view(self) -> memoryview:
        """The values without a copy (read-only); the points cannot grow while it is held."""
        return memoryview(self._values).toreadonly()
