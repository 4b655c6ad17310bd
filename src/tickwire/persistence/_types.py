"""Value types of the persistence layer: run metadata, stored events and store errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tickwire._exceptions import RunNotFound, StoreError
from tickwire.events import EventBase

__all__ = ["EventRecord", "RunInfo", "RunNotFound", "RunStatus", "StoreError"]


class RunStatus:
    """The states a recorded run can be in (plain strings, as stored)."""

    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


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
    """Where the market data came from (files, URLs, feed names)."""
    tickwire_version: str = ""
    """``tickwire.__version__`` of the recording process."""
    started_ns: int = 0
    """Wall-clock start, nanoseconds since the epoch."""
    ended_ns: int | None = None
    """Wall-clock end, or None while the run is still being recorded."""
    status: str = RunStatus.RUNNING
    """One of :class:`RunStatus`."""
    summary: dict[str, Any] | None = None
    """Summary statistics given when the run ended (JSON)."""
    event_count: int = 0
    """How many events were recorded (set when the run ends)."""

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
