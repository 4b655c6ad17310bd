"""The event a clock's timer or alert fires with."""

from __future__ import annotations

from typing import ClassVar

from tickwire.events._base import EventBase

__all__ = ["TimerEvent"]


class TimerEvent(EventBase, frozen=True, kw_only=True):
    """A timer or alert went off; ``ts_event_ns`` is the time it was due (routes under
    ``EventType.TIMER``)."""

    event_type: ClassVar[str | None] = "TIMER"

    name: str
    """The name it was set under."""
    sequence: int = 0
    """How many times this timer fired before (0 for an alert)."""
