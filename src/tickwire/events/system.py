"""System events: errors, information, component lifecycle and heartbeats."""

from __future__ import annotations

import enum
import os
import traceback as _tb
from typing import Any, ClassVar

from tickwire.events._base import EventBase

__all__ = [
    "ErrorEvent",
    "Heartbeat",
    "InfoEvent",
    "LifecycleEvent",
    "LifecycleState",
    "RunStatus",
    "traceback_text",
]


class ErrorEvent(EventBase, frozen=True, kw_only=True):
    """A handler or component failed. ``original_event`` is what it was processing."""

    event_type: ClassVar[str | None] = "ERROR"

    component: str
    error: str
    error_type: str = ""
    original_event: Any = None
    traceback: str = ""
    """Where it failed: the formatted traceback, innermost call last (``""`` when none was
    kept: events stored before wire version 2, reports of bad input, and repeats of a
    failure the bus has already traced; see :func:`traceback_text`)."""


def traceback_text(exc: BaseException) -> str:
    """``exc`` and its traceback as Python prints them, without the frames of tickwire's
    own dispatch (the bus, its workers) that lead into the handler that raised."""
    tb = exc.__traceback__
    while tb is not None and _is_dispatch(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return "".join(_tb.format_exception(type(exc), exc, tb))


def _is_dispatch(filename: str) -> bool:
    # By the last two folders: compiled modules name their source as it was given to
    # the compiler, often relative to the build folder (src/tickwire/bus/_bus.py).
    folder = os.path.dirname(os.path.normpath(filename))
    return os.path.basename(folder) == "bus" and os.path.basename(os.path.dirname(folder)) == (
        "tickwire"
    )


class RunStatus:
    """The states a run can be in (plain strings, as stored): what a runner reports and
    the event store keeps (``tickwire.persistence.RunStatus``; defined here, below every
    layer, so that runners name them without loading a store)."""

    RUNNING = "running"
    """Being recorded (or its process died and no store opened since has noticed)."""
    FINISHED = "finished"
    """Recorded to the end."""
    INTERRUPTED = "interrupted"
    """Stopped by Ctrl-C or SIGTERM; every event published until then is stored."""
    FAILED = "failed"
    """Stopped by an exception in the recorded code (a strategy that raised, under the
    default error policy), or the store failed at the end."""
    FINISHED_WITH_ERRORS = "finished with errors"
    """Recorded to the end, past handler failures the run was told to continue after
    (``on_error="continue"``); its ErrorEvents say which and where."""
    CRASHED = "crashed"
    """Its process died without closing the run (SIGKILL, power loss); found by a store
    opened on the same host, which counted the events that were stored."""
    STOPPED = "stopped"
    """A live or paper session that ended as asked (``--duration``, Ctrl-C, SIGTERM),
    every event published until then stored: how a live session ends well."""


class RunMode:
    """What produced a run's events (plain strings, as stored)."""

    BACKTEST = "backtest"
    """Recorded market data replayed against the simulated broker."""
    PAPER = "paper"
    """A live feed, orders filled by the simulated broker on its quotes and bars."""
    LIVE = "live"
    """A live feed, orders sent to a venue."""


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
