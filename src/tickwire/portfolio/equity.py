# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The equity curve: one compact point per distinct bar timestamp."""

from __future__ import annotations

from array import array
from collections.abc import Callable

try:
    from tickwire.portfolio._points import Points
except ImportError:  # built without compiling (TICKWIRE_PURE_PYTHON=1)
    from tickwire.portfolio._points_py import Points  # type: ignore[assignment]

__all__ = ["EquityCurve"]


class EquityCurve:
    """Times and equity (16 bytes a point, in C) plus exposure changes.

    Python lists of floats would cost about 60 bytes a point, and a backtest of millions
    of bars must stay small. Exposure (is any position open?) changes only on fills, so
    it is stored as the point indices where it flips rather than a flag per bar.
    ``timestamps`` and ``equity`` are ``array`` copies, made again only after a change;
    :meth:`timestamps_view` and :meth:`equity_view` lend the columns without a copy, for
    a reader done with them before the curve grows.
    """

    __slots__ = ("_edited", "_equity", "_points", "_timestamps", "append", "exposure_flips")

    def __init__(self) -> None:
        self._points = Points()
        self.append: Callable[[int, float], None] = self._points.append
        """``append(ts_ns, equity)`` adds a point; ``ts_ns`` must be later than every
        earlier point (ValueError otherwise).

        The point column's own method, not a compiled wrapper: a wrapper taking ``int``
        would unbox the caller's int object and box a new one for the column, an
        allocation per bar on the portfolio's hot path.
        """
        self._timestamps: array[int] = array("q")
        self._equity: array[float] = array("d")
        self._edited = False  # a point in the ``_equity`` copy changed since it was made
        self.exposure_flips: list[int] = []
        """Point indices from which exposure flips (it starts flat), increasing."""

    @property
    def timestamps(self) -> array[int]:
        """Bar times (``ts_event_ns``), strictly increasing."""
        if len(self._timestamps) != len(self._points):
            self._timestamps = self._points.times()
        return self._timestamps

    @property
    def equity(self) -> array[float]:
        """Equity after every event at that time was handled."""
        if self._edited or len(self._equity) != len(self._points):
            self._equity = self._points.values()
            self._edited = False
        return self._equity

    def timestamps_view(self) -> memoryview:
        """The bar times as they are now, without a copy: a read-only memoryview (``q``).
        The curve cannot grow while it is held (``append`` raises BufferError)."""
        return self._points.times_view()

    def equity_view(self) -> memoryview:
        """The equity as it is now, without a copy: a read-only memoryview (``d``).
        The curve cannot grow while it is held (``append`` raises BufferError)."""
        return self._points.values_view()

    def __len__(self) -> int:
        return len(self._points)

    def set_last(self, equity: float) -> None:
        """Replace the equity of the latest point (which must exist)."""
        self._points.set_last(equity)
        self._edited = True

    def count_before(self, ts_ns: int, start: int = 0) -> int:
        """How many points are earlier than ``ts_ns``, searching from index ``start``
        (which must not be past the answer)."""
        return self._points.count_before(ts_ns, start)

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
        """Memory held by the points (excluding spare capacity)."""
        return 16 * len(self)
