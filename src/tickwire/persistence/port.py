"""The event store port: what tickwire needs from any database that keeps recorded runs.

Adapters: :class:`~tickwire.persistence.SQLiteStore`, :class:`~tickwire.persistence.PostgresStore`
and :class:`~tickwire.persistence.MemoryStore` (for tests of everything above the port).
An adapter subclasses :class:`EventStore` to inherit :meth:`~EventStore.iter_events` and
the ``with`` block.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from tickwire.events import EventBase
from tickwire.persistence._types import EventRecord, RunInfo

__all__ = ["EventStore", "EventTypes"]

EventTypes = Iterable[type[EventBase] | str] | None
"""A type filter: event classes and/or class names; None means every type."""


@runtime_checkable
class EventStore(Protocol):
    """Keeps runs and their events. Safe to share between one writer and readers.

    Every method raises :class:`~tickwire.persistence.RunNotFound` for an unknown run and
    :class:`~tickwire.persistence.StoreError` for anything else it refuses or cannot do.
    """

    @abstractmethod
    def create_run(self, info: RunInfo) -> None:
        """Register a new run (``info.run_id`` must be unused)."""

    @abstractmethod
    def append_events(self, run_id: str, first_seq: int, events: Sequence[EventBase]) -> None:
        """Store ``events``, in publish order, in one commit; the first gets sequence
        number ``first_seq``, which must be the number of events the run holds so far."""

    @abstractmethod
    def finish_run(
        self,
        run_id: str,
        *,
        ended_ns: int,
        status: str,
        event_count: int,
        rejected: int = 0,
        summary: Mapping[str, Any] | None = None,
    ) -> None:
        """Record the end of a run: time, status, how many events were stored and how many
        published objects were rejected, and summary statistics."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunInfo:
        """One run's metadata."""

    @abstractmethod
    def list_runs(self) -> list[RunInfo]:
        """Every run, most recently started first."""

    @abstractmethod
    def iter_records(self, run_id: str, types: EventTypes = None) -> Iterator[EventRecord]:
        """The run's events with their sequence numbers, in publish order; optionally only
        some types. An unknown run raises here, not when iterating."""

    @abstractmethod
    def recover_crashed_runs(self) -> list[str]:
        """Mark ``crashed`` every running run whose recording process (on this host) is
        gone, with the number of its events that were stored; returns their ids. Stores
        do this when opened; call it again to check a long-lived store."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def iter_events(self, run_id: str, types: EventTypes = None) -> Iterator[EventBase]:
        """The run's events, decoded, in publish order; optionally only some types."""
        return (record.event for record in self.iter_records(run_id, types))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
