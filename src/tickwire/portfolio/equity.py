"""The equity curve: one compact point per distinct bar timestamp."""

from __future__ import annotations

from array import array
from typing import Final

__all__ = ["EquityCurve"]

STAGED_POINTS: Final = 4096
"""Points gathered in plain lists before they move into the arrays in one call each.

An ``array.append`` per bar parses its argument and, for an int64 timestamp, goes
through CPython's slow big-int conversion; a list append of the bar's own int object
costs a fraction of that, and ``fromlist`` converts a whole batch in C.
"""


class EquityCurve:
    """Parallel arrays of timestamps and equity (16 bytes a point) plus exposure changes.

    Python lists of floats would cost about 60 bytes a point, and a backtest of millions
    of bars must stay small. Exposure (is any position open?) changes only on fills, so
    it is stored as the point indices where it flips rather than a flag per bar. New
    points are staged in short lists (see :data:`STAGED_POINTS`); reading
    ``timestamps`` or ``equity`` moves them into the arrays first.
    """

    __slots__ = ("_equity", "_staged_equity", "_staged_ts", "_timestamps", "exposure_flips")

    def __init__(self) -> None:
        self._timestamps: array[int] = array("q")
        self._equity: array[float] = array("d")
        # Objects typed ``object`` so compiled code appends the bar's own int unconverted.
        self._staged_ts: list[object] = []
        self._staged_equity: list[float] = []
        self.exposure_flips: list[int] = []
        """Point indices from which exposure flips (it starts flat), increasing."""

    @property
    def timestamps(self) -> array[int]:
        """Bar times (``ts_event_ns``), strictly increasing."""
        self.flush()
        return self._timestamps

    @property
    def equity(self) -> array[float]:
        """Equity after every event at that time was handled."""
        self.flush()
        return self._equity

    def __len__(self) -> int:
        return len(self._timestamps) + len(self._staged_ts)

    def append(self, ts_ns: object, equity: float) -> None:
        """Add a point; ``ts_ns`` (an int) must be later than every earlier point."""
        staged = self._staged_ts
        staged.append(ts_ns)
        self._staged_equity.append(equity)
        if len(staged) >= STAGED_POINTS:
            self.flush()

    def set_last(self, equity: float) -> None:
        """Replace the equity of the latest point (which must exist)."""
        staged = self._staged_equity
        if staged:
            staged[-1] = equity
        else:
            self._equity[-1] = equity

    def flush(self) -> None:
        """Move the staged points into the arrays."""
        staged = self._staged_ts
        if staged:
            self._timestamps.fromlist(staged)  # type: ignore[arg-type]  # ints, typed object
            self._equity.fromlist(self._staged_equity)
            staged.clear()
            self._staged_equity.clear()

    def set_exposed(self, exposed: bool, index: int) -> None:
        """Record that from point ``index`` on, a position is (or is not) open."""
        flips = self.exposure_flips
        if exposed == (len(flips) % 2 == 1):
            return
        if flips and flips[-1] >= index:
            # Flipping back at the same point undoes the earlier flip there.
            flips.pop()
        else:
            flips.append(index)

    def exposed(self) -> bytearray:
        """One flag per point: 1 where a position was open."""
        n = len(self)
        flags = bytearray(n)
        flips = self.exposure_flips
        for k in range(0, len(flips), 2):
            start = flips[k]
            end = flips[k + 1] if k + 1 < len(flips) else n
            if start < n:
                end = min(end, n)
                flags[start:end] = b"\x01" * (end - start)
        return flags

    def nbytes(self) -> int:
        """Memory held by the points (excluding over-allocation)."""
        return len(self) * (self._timestamps.itemsize + self._equity.itemsize)
