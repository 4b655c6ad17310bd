"""The root of every tickwire event: two nanosecond timestamps, immutable, slotted."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import msgspec

__all__ = ["EventBase", "new_id", "now_ns"]

now_ns = time.time_ns
"""Wall-clock time in nanoseconds since the epoch (the source of ``ts_created_ns``)."""


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
    """Base of all events. Subclass it (as a frozen struct) to add your own event type,
    and register the subclass (:func:`~tickwire.events.register_event_type`) to send,
    store or read it as bytes.

    ``ts_event_ns`` is when the fact happened in market time; ``ts_created_ns`` is the
    wall-clock time the object was made and is filled in automatically. On the wire an
    event is a map whose ``_type`` entry is its tag: its class name unless the class
    says ``tag="..."``.
    """

    ts_event_ns: int
    ts_created_ns: int = msgspec.field(default_factory=now_ns)

    event_type: ClassVar[str | None] = None
    """The generic :class:`EventType` category this class also routes under, if any."""

    @property
    def timestamp(self) -> datetime:
        """``ts_event_ns`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts_event_ns / 1e9, tz=UTC)

    def get_symbol(self) -> str | None:
        """The instrument the event is about, or None (seed-compatible accessor)."""
        return getattr(self, "instrument", None)
