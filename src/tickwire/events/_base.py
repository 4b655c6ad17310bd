"""The root of every tickwire event: two nanosecond timestamps, immutable, slotted."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

__all__ = ["EventBase", "new_id", "now_ns"]

now_ns = time.time_ns
"""Wall-clock time in nanoseconds since the epoch (the source of ``ts_created_ns``)."""

_registry: list[type[EventBase]] = []


def new_id() -> str:
    """A unique id for events that must be processed once (32 hex characters)."""
    return uuid.uuid4().hex


class EventBase(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag=True,
    tag_field="_type",
):
    """Base of all events. Subclass it (as a frozen struct) to add your own event type.

    ``ts_event_ns`` is when the fact happened in market time; ``ts_created_ns`` is the
    wall-clock time the object was made and is filled in automatically.
    """

    ts_event_ns: int
    ts_created_ns: int = msgspec.field(default_factory=now_ns)

    event_type: ClassVar[str | None] = None
    """The generic :class:`EventType` category this class also routes under, if any."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _registry.append(cls)

    @property
    def timestamp(self) -> datetime:
        """``ts_event_ns`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts_event_ns / 1e9, tz=UTC)

    def get_symbol(self) -> str | None:
        """The instrument the event is about, or None (seed-compatible accessor)."""
        return getattr(self, "instrument", None)


def registered_event_types() -> tuple[type[EventBase], ...]:
    """Every event class defined so far, built-in or user-defined, in definition order."""
    return tuple(_registry)
