"""System events: errors, information, component lifecycle and heartbeats."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from tickwire.events._base import EventBase

__all__ = ["ErrorEvent", "Heartbeat", "InfoEvent", "LifecycleEvent", "LifecycleState"]


class ErrorEvent(EventBase, frozen=True, kw_only=True):
    """A handler or component failed. ``original_event`` is what it was processing."""

    event_type: ClassVar[str | None] = "ERROR"

    component: str
    error: str
    error_type: str = ""
    original_event: Any = None


class InfoEvent(EventBase, frozen=True, kw_only=True):
    """Something worth telling an operator."""

    event_type: ClassVar[str | None] = "INFO"

    component: str
    message: str


class LifecycleState(enum.StrEnum):
    """Where a component is in its life (seed 000's lifecycle loop)."""

    STARTING = "STARTING"
    STARTED = "STARTED"
    """Started (what a component that does not say more reports; counts as running)."""
    RUNNING = "RUNNING"
    DEGRADED = "DEGRADED"
    """Running, but not fully: a feed reconnecting, a heartbeat overdue."""
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"


class LifecycleEvent(EventBase, frozen=True, kw_only=True):
    """A component started, stopped or failed."""

    event_type: ClassVar[str | None] = "SYSTEM"

    component: str
    state: LifecycleState
    detail: str = ""


class Heartbeat(EventBase, frozen=True, kw_only=True):
    """A periodic sign of life from a component (used for health monitoring)."""

    event_type: ClassVar[str | None] = "SYSTEM"

    component: str
    sequence: int = 0
