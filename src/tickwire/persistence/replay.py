"""Replay: publish a recorded run's events into a bus again, in their recorded order."""

from __future__ import annotations

from tickwire._types import Publisher
from tickwire.persistence.port import EventStore, EventTypes

__all__ = ["replay"]


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
