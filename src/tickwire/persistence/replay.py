"""Replay: publish a recorded run's events into a bus again, in their recorded order."""

from __future__ import annotations

from typing import Any, Protocol

from tickwire.persistence.store import EventStore, EventTypes

__all__ = ["replay"]


class _Publisher(Protocol):
    def publish(self, event: Any) -> None: ...


def replay(store: EventStore, run_id: str, bus: _Publisher, types: EventTypes = None) -> int:
    """Publish the run's events (optionally only ``types``) into ``bus``; returns how many.

    Events are published exactly as recorded, timestamps included.
    """
    publish = bus.publish
    count = 0
    for event in store.iter_events(run_id, types):
        publish(event)
        count += 1
    return count
