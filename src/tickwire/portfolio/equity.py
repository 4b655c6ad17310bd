"""The equity curve: one compact point per distinct bar timestamp."""

from __future__ import annotations

from array import array

__all__ = ["EquityCurve"]


class EquityCurve:
    """Parallel arrays of timestamps and equity (16 bytes a point) plus exposure changes.

    Python lists of floats would cost about 60 bytes a point, and a backtest of millions
    of bars must stay small. Exposure (is any position open?) changes only on fills, so
    it is stored as the point indices where it flips rather than a flag per bar.
    """

    __slots__ = ("equity", "exposure_flips", "timestamps")

    def __init__(self) -> None:
        self.timestamps: array[int] = array("q")
        """Bar times (``ts_event_ns``), strictly increasing."""
        self.equity: array[float] = array("d")
        """Equity after every event at that time was handled."""
        self.exposure_flips: list[int] = []
        """Point indices from which exposure flips (it starts flat), increasing."""

    def __len__(self) -> int:
        return len(self.timestamps)

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
        n = len(self.timestamps)
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
        return len(self.timestamps) * (self.timestamps.itemsize + self.equity.itemsize)
