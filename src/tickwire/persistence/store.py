"""The one interface every event store implements (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from tickwire.events import EventBase
from tickwire.persistence._rows import Row
from tickwire.persistence._types import EventRecord, RunInfo

__all__ = ["EventStore", "EventTypes"]

EventTypes = Iterable[type[EventBase] | str] | None
"""A type filter: event classes and/or class names; None means every type."""


@runtime_checkable
class EventStore(Protocol):
    """Stores runs and their events. Safe to share between one writer and readers; closes
    at the end of a ``with`` block."""

    def create_run(self, info: RunInfo) -> None:
        """Register a new run (``info.run_id`` must be unused)."""
        ...

    def append_batch(
        self,
        run_id: str,
        first_seq: int,
        events: Sequence[EventBase],
        *,
        compress: bool = True,
    ) -> None:
        """Store ``events`` (in publish order, the first having ``first_seq``) in one commit;
        ``compress=False`` stores them uncompressed even if the store compresses."""
        ...

    def append_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        """Store rows made by ``pack_rows`` or ``build_row`` in one commit, compressing
        uncompressed ones unless ``compress=False`` (what the recorder's writer thread
        calls). A payload may be a view of a buffer the caller reuses once this returns:
        copy what you keep."""
        ...

    def finish_run(
        self,
        run_id: str,
        *,
        ended_ns: int,
        status: str,
        event_count: int,
        summary: Mapping[str, Any] | None = None,
    ) -> None:
        """Record the end of a run: time, status, event count and summary statistics."""
        ...

    def list_runs(self) -> list[RunInfo]:
        """Every run, most recently started first."""
        ...

    def get_run(self, run_id: str) -> RunInfo:
        """One run's metadata; raises RunNotFound naming the id if there is none."""
        ...

    def iter_records(self, run_id: str, types: EventTypes = None) -> Iterator[EventRecord]:
        """The run's events with their sequence numbers, in publish order."""
        ...

    def iter_events(self, run_id: str, types: EventTypes = None) -> Iterator[EventBase]:
        """The run's events, decoded, in publish order; optionally only some types."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
