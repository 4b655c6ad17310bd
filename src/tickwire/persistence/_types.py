"""Value types of the persistence layer: run metadata, stored events and store errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tickwire._exceptions import RunNotFound, StoreError
from tickwire.events import EventBase
from tickwire.events.system import RunMode, RunStatus

__all__ = [
    "EventRecord",
    "RejectedEvent",
    "RunInfo",
    "RunMode",
    "RunNotFound",
    "RunOwner",
    "RunStatus",
    "StoreError",
]


@dataclass(frozen=True, slots=True)
class RunOwner:
    """The process recording a run: what crash recovery needs to tell whether it is gone."""

    host: str
    """The host name of the machine it ran on."""
    pid: int
    """Its process id."""
    start: str = ""
    """What tells this process from a later one that reused its pid (on Linux the boot id,
    the pid namespace and the process start time); empty where the platform has none."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The metadata of one recorded run."""

    run_id: str
    """Unique id of the run (32 hex characters)."""
    strategy: str
    """Name of the strategy (or setup) that produced the events."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """The strategy's parameters, as stored (JSON)."""
    data_sources: tuple[str, ...] = ()
    """Where the market data came from (files, URLs without credentials, feed names)."""
    tickwire_version: str = ""
    """``tickwire.__version__`` of the recording process."""
    started_ns: int = 0
    """Wall-clock start, nanoseconds since the epoch."""
    ended_ns: int | None = None
    """Wall-clock end, or None while the run is being recorded (and for a crashed run,
    whose end nobody saw)."""
    status: str = RunStatus.RUNNING
    """One of :class:`RunStatus`."""
    summary: dict[str, Any] | None = None
    """Summary statistics given when the run ended (JSON)."""
    event_count: int = 0
    """How many events were stored (set when the run ends, or when found crashed)."""
    rejected: int = 0
    """How many published objects the recorder could not store (set when the run ends)."""
    owner: RunOwner | None = None
    """The process that recorded the run, if known (runs of older versions have none)."""
    sweep_id: str | None = None
    """The sweep the run is a point of (``tickwire sweep --db``), or None."""
    mode: str = RunMode.BACKTEST
    """One of :class:`RunMode`: a backtest, or a paper or live session."""

    @property
    def started_at(self) -> datetime:
        """``started_ns`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.started_ns / 1e9, tz=UTC)

    @property
    def ended_at(self) -> datetime | None:
        """``ended_ns`` as an aware UTC datetime, or None."""
        return None if self.ended_ns is None else datetime.fromtimestamp(self.ended_ns / 1e9, UTC)


class EventRecord(NamedTuple):
    """One stored event with its position in the run (publish order, from 0)."""

    seq: int
    event: EventBase


class RejectedEvent(NamedTuple):
    """Something published on a recorded bus that could not be stored: a dead letter."""

    before_seq: int
    """The sequence number the next stored event got: where in the run it was published."""
    item: object
    """The object itself (not an event, or an event the store cannot hold)."""
    error: str
    """Why it was rejected."""
