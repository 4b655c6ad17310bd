"""Replay: a recorded run's events published again, or its market data backtested again."""

from __future__ import annotations

from collections.abc import Iterator

from tickwire._types import Publisher
from tickwire.events import Bar, EventBase, Tick
from tickwire.persistence._redact import redact_credentials
from tickwire.persistence.port import EventStore, EventTypes

__all__ = ["MARKET_DATA_TYPES", "RecordedMarketData", "replay"]

MARKET_DATA_TYPES: tuple[type[EventBase], ...] = (Bar, Tick)
"""What a backtest replays of a recorded session: the market data, not what it caused."""


def replay(store: EventStore, run_id: str, bus: Publisher, types: EventTypes = None) -> int:
    """Publish the run's events (optionally only ``types``) into ``bus``; returns how many.

    Events are published exactly as recorded, timestamps included.
    """
    publish = bus.publish
    count = 0
    for event in store.iter_events(run_id, types):
        publish(event)
        count += 1
    return count


class RecordedMarketData:
    """The bars and ticks of a recorded run, in recorded order, as a backtest's data.

    Re-iterable (each iteration reads the store again), so a report can read the closes
    after the run. ``tickwire backtest STRATEGY --replay RUN`` backtests a recorded live
    or paper session this way; the store must stay open while it is read.
    """

    def __init__(self, store: EventStore, run_id: str) -> None:
        self.store = store
        self.run_id = store.get_run(run_id).run_id  # RunNotFound now, not mid-run
        location = redact_credentials(str(getattr(store, "location", "") or "memory"))
        self.paths = (f"run {self.run_id} in {location}",)
        """What the data is, for reports (file sources name their files here)."""

    def __iter__(self) -> Iterator[EventBase]:
        return self.store.iter_events(self.run_id, MARKET_DATA_TYPES)
