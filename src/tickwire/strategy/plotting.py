"""Series a strategy declares for the report to draw, such as its moving averages.

Make a :class:`Plot` an attribute of the strategy and add one point per bar::

    def on_start(self) -> None:
        self.lines = Plot("EMA(10)", "EMA(30)")

    def on_bar(self, bar: Bar) -> None:
        ...
        self.lines.add(bar.ts_event_ns, self.fast_ema.value, self.slow_ema.value)

A strategy without a Plot pays nothing: the report finds plots by looking at the
strategy's attributes once the run is over (:func:`plots_of`). With one, each ``add``
appends to typed arrays (8 bytes a value), with no event and no bus in between.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tickwire._exceptions import StrategyError

__all__ = ["Plot", "PlotLine", "plots_of"]


@dataclass(frozen=True, eq=False)
class PlotLine:
    """One recorded series: its name, instrument and points."""

    name: str
    instrument: str | None
    """The price chart it belongs on; None for the strategy's default instrument."""
    ts_ns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    overlay: bool
    """True to draw on the price chart, False for a panel of its own (an oscillator)."""


class Plot:
    """Named series sampled together, one point per :meth:`add` call.

    ``instrument`` picks the price chart (default: the strategy's instrument);
    ``overlay=False`` draws the series below the price instead of over it, for values
    on another scale such as an RSI.
    """

    __slots__ = ("_ts", "_values", "_width", "instrument", "names", "overlay")

    def __init__(self, *names: str, instrument: str | None = None, overlay: bool = True) -> None:
        if not names:
            raise StrategyError("Plot: give at least one series name")
        if len(set(names)) != len(names):
            raise StrategyError(f"Plot: series names repeat: {names!r}")
        self.names = names
        self.instrument = instrument
        self.overlay = overlay
        self._width = len(names)
        self._ts = array("q")
        self._values = array("d")

    def add(self, ts_ns: int, *values: float) -> None:
        """Record the series' values at ``ts_ns`` (one value per name, in order)."""
        if len(values) != self._width:
            raise StrategyError(
                f"Plot{self.names!r}.add: expected {self._width} values, got {len(values)}"
            )
        self._ts.append(ts_ns)
        self._values.extend(values)

    def __len__(self) -> int:
        return len(self._ts)

    def lines(self) -> list[PlotLine]:
        """The recorded series, one :class:`PlotLine` per name (arrays share no memory
        with the plot, so it may go on recording)."""
        ts = np.array(self._ts, dtype=np.int64)
        table = np.array(self._values, dtype=np.float64).reshape(-1, self._width)
        return [
            PlotLine(name, self.instrument, ts, table[:, column].copy(), self.overlay)
            for column, name in enumerate(self.names)
        ]


def plots_of(strategy: object) -> list[PlotLine]:
    """Every series the strategy's :class:`Plot` attributes recorded, in attribute order."""
    found: list[PlotLine] = []
    for value in vars(strategy).values():
        if isinstance(value, Plot):
            found.extend(value.lines())
    return found
