"""The event that halts (or resumes) all new orders through the risk manager."""

from __future__ import annotations

from tickwire.events import EventBase

__all__ = ["KillSwitch"]


class KillSwitch(EventBase, frozen=True, kw_only=True):
    """Publish with ``engaged=True`` to refuse every new order; ``False`` lifts it."""

    engaged: bool = True
    reason: str = ""
