"""The in-memory event store: the port without a database, for tests and throw-away runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from tickwire.events import EventBase, decode_recorded, encode
from tickwire.persistence._owner import owner_gone
from tickwire.persistence._rows import storage_problem, type_names
from tickwire.persistence._types import EventRecord, RunInfo, RunNotFound, RunStatus, StoreError
from tickwire.persistence.port import EventStore, EventTypes

__all__ = ["MemoryStore"]


class MemoryStore(EventStore):
    """Runs and events in this process's memory, lost when it ends.

    It keeps what a database would: each event encoded by the codec, decoded again when
    read, so what comes back is an equal copy and anything a database store refuses (a
    non-event, a timestamp outside int64, an event too large) it refuses too. Metadata
    must be JSON, as in a database. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, RunInfo] = {}
        self._events: dict[str, list[tuple[str, bytes]]] = {}  # per run: (type name, bytes)
        self.location = "memory"
        """Where the data lives, for messages."""

    def _run(self, run_id: str) -> RunInfo:
        try:
            return self._runs[run_id]
        except KeyError:
            raise RunNotFound(f"no run {run_id!r} in {self.location}") from None

    def create_run(self, info: RunInfo) -> None:
        """Register a new run (``info.run_id`` must be unused)."""
        as_stored = replace(
            info,
            parameters=_as_json(info.run_id, "parameters", info.parameters),
            data_sources=tuple(_as_json(info.run_id, "data_sources", list(info.data_sources))),
            summary=_as_json(info.run_id, "summary", info.summary),
        )
        with self._lock:
            if info.run_id in self._runs:
                raise StoreError(f"{self.location} already holds a run {info.run_id!r}")
            self._runs[info.run_id] = as_stored
            self._events[info.run_id] = []

    def append_events(self, run_id: str, first_seq: int, events: Sequence[EventBase]) -> None:
        """Store ``events``, in publish order, in one commit; the first gets sequence
        number ``first_seq``, which must be the number of events the run holds so far."""
        encoded = []
        for offset, event in enumerate(events):
            problem = storage_problem(event)
            if problem is not None:
                seq = first_seq + offset
                raise StoreError(f"run {run_id}: cannot store event {seq}: {problem}")
            encoded.append((type(event).__name__, encode(event)))
        with self._lock:
            self._run(run_id)
            held = self._events[run_id]
            if first_seq != len(held):
                raise StoreError(
                    f"run {run_id}: events must continue at seq {len(held)}, got {first_seq}"
                )
            held.extend(encoded)

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
        copied = _as_json(run_id, "summary", None if summary is None else dict(summary))
        with self._lock:
            self._runs[run_id] = replace(
                self._run(run_id),
                ended_ns=ended_ns,
                status=status,
                event_count=event_count,
                rejected=rejected,
                summary=copied,
            )

    def get_run(self, run_id: str) -> RunInfo:
        """One run's metadata."""
        with self._lock:
            return self._run(run_id)

    def list_runs(self) -> list[RunInfo]:
        """Every run, most recently started first."""
        with self._lock:
            runs = list(self._runs.values())
        return sorted(runs, key=lambda info: (-info.started_ns, info.run_id))

    def iter_records(self, run_id: str, types: EventTypes = None) -> Iterator[EventRecord]:
        """The run's events with their sequence numbers, in publish order."""
        names = None if types is None else frozenset(type_names(types))
        with self._lock:
            self._run(run_id)
            held = list(self._events[run_id])
        return (
            EventRecord(seq, decode_recorded(data))
            for seq, (name, data) in enumerate(held)
            if names is None or name in names
        )

    def recover_crashed_runs(self) -> list[str]:
        """Mark ``crashed`` every running run whose recording process (on this host) is
        gone, with the number of its events that were stored; returns their ids."""
        with self._lock:
            crashed = [
                info.run_id
                for info in self._runs.values()
                if info.status == RunStatus.RUNNING
                and info.owner is not None
                and owner_gone(info.owner)
            ]
            for run_id in crashed:
                self._runs[run_id] = replace(
                    self._runs[run_id],
                    status=RunStatus.CRASHED,
                    event_count=len(self._events[run_id]),
                )
        return crashed

    def close(self) -> None:
        """Nothing to release; the data stays readable."""


def _as_json(run_id: str, what: str, value: Any) -> Any:
    """``value`` as a database gives it back: through JSON."""
    try:
        return json.loads(json.dumps(value, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise StoreError(f"run {run_id}: {what} must be JSON-serializable: {exc}") from None
