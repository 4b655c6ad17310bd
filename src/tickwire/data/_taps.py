"""The chunked bar sources' side of a bar tap (``tickwire.events._taps``): the recorder
gets a run's bars as the source's chunks.

:class:`TappedBars` is what the backtest node iterates over a chunked source
(``read_bars``, ``synthetic_bars``): it looks the tap of the run's bus up when iteration
starts (the recorder is attached by then) and hands it each chunk and each bar made, or
is the plain source when no tap is registered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tickwire.data._events import bars_from_chunks
from tickwire.events import Bar
from tickwire.events._taps import chunk_tap

__all__ = ["TappedBars"]


class TappedBars:
    """A chunked bar source (with ``chunks()`` and ``interval``) whose bars go through
    the tap of ``bus``, if one is registered when iteration starts."""

    def __init__(self, source: Any, bus: object) -> None:
        self.source = source
        self.bus = bus

    @property
    def instruments(self) -> Any:
        """The source's declared instruments (see ``Node``), if it declares them."""
        return getattr(self.source, "instruments", None)

    def __iter__(self) -> Iterator[Bar]:
        tap = chunk_tap(self.bus)
        if tap is None:
            return iter(self.source)
        return bars_from_chunks(self.source.chunks(), self.source.interval, tap.chunk, tap.marks)
