"""What the SQLite and PostgreSQL stores share: the queries, migrations, crash recovery and
row decoding.

A store owns one connection in autocommit mode and makes its own transactions, under a
lock, so that the recorder's writer thread and readers can share it. Every database error
leaves as a :class:`StoreError` naming the store.
"""

from __future__ import annotations

import json
import threading
import time
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, NoReturn

from tickwire.events import EventBase
from tickwire.persistence._capture import EventCapture
from tickwire.persistence._owner import owner_gone
from tickwire.persistence._rows import Row, stored, type_names, unpack_row
from tickwire.persistence._schema import MIGRATIONS, VERSION_TABLE_DDL, latest_version
from tickwire.persistence._types import (
    EventRecord,
    RunInfo,
    RunNotFound,
    RunOwner,
    RunStatus,
    StoreError,
)
from tickwire.persistence.port import EventStore, EventTypes

__all__ = ["SqlStore"]

_RUN_COLUMNS = (
    "run_id, strategy, parameters, data_sources, tickwire_version, started_ns, ended_ns,"
    " status, summary, event_count, rejected, owner_host, owner_pid, owner_start, sweep_id,"
    " mode"
)
_ROWS_PER_PAGE = 4
"""Rows fetched per query while iterating (each holds up to MAX_EVENTS_PER_ROW events)."""


def _to_json(value: Any, what: str, run_id: str) -> str:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"run {run_id}: {what} must be JSON-serializable: {exc}") from None


def _run_info(row: Sequence[Any]) -> RunInfo:
    host, pid, start = row[11], row[12], row[13]
    return RunInfo(
        run_id=row[0],
        strategy=row[1],
        parameters=json.loads(row[2]),
        data_sources=tuple(json.loads(row[3])),
        tickwire_version=row[4],
        started_ns=row[5],
        ended_ns=row[6],
        status=row[7],
        summary=None if row[8] is None else json.loads(row[8]),
        event_count=row[9],
        rejected=row[10],
        owner=None if host is None else RunOwner(host=host, pid=pid, start=start or ""),
        sweep_id=row[14],
        mode=row[15],
    )


def encode_rows(run_id: str, first_seq: int, events: Sequence[EventBase]) -> list[Row]:
    """Rows for ``events``, numbered from ``first_seq``, encoded as the recorder encodes
    them; raises StoreError naming the first one a store cannot hold."""
    rows: list[Row] = []

    def sealed(batch: list[Row], count: int) -> None:
        rows.extend(batch)

    def rejected(item: object, problem: str, seq: int) -> None:
        raise StoreError(f"run {run_id}: cannot store event {seq}: {problem}")

    capture = EventCapture(len(events) + 1, sealed, rejected, first_seq)
    for event in events:
        capture.capture(event)
    capture.seal()
    return rows


class SqlStore(EventStore):
    """An :class:`~tickwire.persistence.EventStore` over a DB-API connection; also the
    recorder's row sink (``write_rows``)."""

    dialect: ClassVar[str]
    """Which statements of each migration to run: "sqlite" or "postgresql"."""
    _begin: ClassVar[str] = "BEGIN"
    _placeholder: ClassVar[str] = "?"

    def __init__(self, conn: Any, location: str, *, compress: bool) -> None:
        self._conn = conn
        self._compress = compress
        self._lock = threading.RLock()
        self.location = location
        """Where the data lives (a file path or a URL without password), for messages."""
        try:
            self.schema_version = self._migrate()
            """The schema version of the database after opening it."""
            self.recover_crashed_runs()
        except BaseException:
            conn.close()
            raise

    # -- dialect hooks -----------------------------------------------------------------

    @abstractmethod
    def _insert_rows(self, run_id: str, rows: list[Row]) -> None:
        """Insert packed rows, all or none; called holding the lock, outside a transaction.

        One statement where possible: in autocommit mode it is a transaction of its own,
        and each statement releases the GIL, which a writer thread then waits to retake.
        """

    @abstractmethod
    def _lock_schema(self) -> None:
        """Keep other processes from migrating at the same time (inside a transaction)."""

    @abstractmethod
    def _is_database_error(self, exc: BaseException) -> bool:
        """Whether ``exc`` comes from the database driver (and becomes a StoreError)."""

    # -- plumbing ----------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text if self._placeholder == "?" else text.replace("?", self._placeholder)

    def _failed(self, exc: Exception) -> NoReturn:
        raise StoreError(f"{self.location}: {exc}") from exc

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Hold the lock; a driver error leaves as a StoreError naming the store."""
        with self._lock:
            try:
                yield
            except Exception as exc:
                if self._is_database_error(exc):
                    self._failed(exc)
                raise

    def _fetchall(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._guarded():
            return list(self._conn.execute(self._sql(text), params).fetchall())

    def _execute(self, text: str, params: Sequence[Any] = ()) -> int:
        with self._guarded():
            return int(self._conn.execute(self._sql(text), params).rowcount)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._guarded():
            self._conn.execute(self._begin)
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _migrate(self) -> int:
        latest = latest_version()
        with self._transaction():
            self._lock_schema()
            self._execute(VERSION_TABLE_DDL)
            current = int(
                self._fetchall("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0]
            )
            if current > latest:
                raise StoreError(
                    f"{self.location}: schema version {current} is newer than this tickwire "
                    f"knows ({latest}); upgrade tickwire to open it"
                )
            for migration in MIGRATIONS:
                if migration.version <= current:
                    continue
                for statement in migration.statements(self.dialect):
                    self._execute(statement)
                self._execute(
                    "INSERT INTO schema_version (version, description, applied_ns)"
                    " VALUES (?, ?, ?)",
                    (migration.version, migration.description, time.time_ns()),
                )
        return latest

    def _require_run(self, run_id: str) -> None:
        if not self._fetchall("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)):
            raise RunNotFound(f"no run {run_id!r} in {self.location}")

    def _stored_count(self, run_id: str) -> int:
        rows = self._fetchall(
            "SELECT COALESCE(SUM(last_seq - seq + 1), 0) FROM events WHERE run_id = ?", (run_id,)
        )
        return int(rows[0][0])

    # -- EventStore ----------------------------------------------------------------------

    def create_run(self, info: RunInfo) -> None:
        """Register a new run (``info.run_id`` must be unused)."""
        owner = info.owner
        params = (
            info.run_id,
            info.strategy,
            _to_json(info.parameters, "parameters", info.run_id),
            _to_json(list(info.data_sources), "data_sources", info.run_id),
            info.tickwire_version,
            info.started_ns,
            info.ended_ns,
            info.status,
            None if info.summary is None else _to_json(info.summary, "summary", info.run_id),
            info.event_count,
            info.rejected,
            None if owner is None else owner.host,
            None if owner is None else owner.pid,
            None if owner is None else owner.start,
            info.sweep_id,
            info.mode,
        )
        if self._fetchall("SELECT 1 FROM runs WHERE run_id = ?", (info.run_id,)):
            raise StoreError(f"{self.location} already holds a run {info.run_id!r}")
        with self._transaction():
            self._execute(
                f"INSERT INTO runs ({_RUN_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                params,
            )

    def append_events(self, run_id: str, first_seq: int, events: Sequence[EventBase]) -> None:
        """Store ``events``, in publish order, in one commit; the first gets sequence
        number ``first_seq``, which must be the number of events the run holds so far."""
        rows = encode_rows(run_id, first_seq, events)
        with self._lock:
            self._require_run(run_id)
            held = self._stored_count(run_id)
            if first_seq != held:
                raise StoreError(
                    f"run {run_id}: events must continue at seq {held}, got {first_seq}"
                )
            self.write_rows(run_id, rows)

    def write_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        """The recorder's batch path (see ``_sink.RowSink``): insert rows made by
        ``_capture`` in one commit, compressing them unless ``compress=False``."""
        if not rows:
            return
        packed = [stored(row, self._compress and compress) for row in rows]
        with self._guarded():
            self._insert_rows(run_id, packed)

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
        text = None if summary is None else _to_json(dict(summary), "summary", run_id)
        with self._transaction():
            changed = self._execute(
                "UPDATE runs SET ended_ns = ?, status = ?, event_count = ?, rejected = ?,"
                " summary = ? WHERE run_id = ?",
                (ended_ns, status, event_count, rejected, text, run_id),
            )
        if changed == 0:
            raise RunNotFound(f"no run {run_id!r} in {self.location}")

    def list_runs(self) -> list[RunInfo]:
        """Every run, most recently started first."""
        rows = self._fetchall(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started_ns DESC, run_id")
        return [_run_info(row) for row in rows]

    def get_run(self, run_id: str) -> RunInfo:
        """One run's metadata; raises RunNotFound naming the id if there is none."""
        rows = self._fetchall(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        if not rows:
            raise RunNotFound(f"no run {run_id!r} in {self.location}")
        return _run_info(rows[0])

    def iter_records(self, run_id: str, types: EventTypes = None) -> Iterator[EventRecord]:
        """The run's events with their sequence numbers, in publish order."""
        self._require_run(run_id)  # an unknown run is an error now, not later
        names = None if types is None else type_names(types)
        return self._records(run_id, names)

    def recover_crashed_runs(self) -> list[str]:
        """Mark ``crashed`` every running run whose recording process (on this host) is
        gone, with the number of its events that were stored; returns their ids."""
        running = self._fetchall(
            "SELECT run_id, owner_host, owner_pid, owner_start FROM runs"
            " WHERE status = ? AND owner_host IS NOT NULL",
            (RunStatus.RUNNING,),
        )
        crashed = [
            run_id
            for run_id, host, pid, start in running
            if owner_gone(RunOwner(host=host, pid=pid, start=start or ""))
        ]
        for run_id in crashed:
            # The writer commits whole batches in order: what is stored is a prefix.
            with self._transaction():
                self._execute(
                    "UPDATE runs SET status = ?, event_count ="
                    " (SELECT COALESCE(SUM(last_seq - seq + 1), 0) FROM events"
                    " WHERE events.run_id = runs.run_id)"
                    " WHERE run_id = ? AND status = ?",
                    (RunStatus.CRASHED, run_id, RunStatus.RUNNING),
                )
        return crashed

    def _records(self, run_id: str, names: list[str] | None) -> Iterator[EventRecord]:
        if names == []:
            return
        where = "run_id = ? AND seq > ?"
        params: list[Any] = [run_id, -1]
        if names is not None:
            # A coarse filter on the row's type list (LIKE treats "_" as a wildcard, so it
            # may let through rows without a wanted type); unpack_row filters exactly.
            where += " AND (" + " OR ".join(["(',' || event_types || ',') LIKE ?"] * len(names))
            where += ")"
            params += [f"%,{name},%" for name in names]
        query = (
            "SELECT seq, last_seq, event_types, type_codes, encoding, payload FROM events"
            f" WHERE {where} ORDER BY seq LIMIT {_ROWS_PER_PAGE}"
        )
        wanted = None if names is None else frozenset(names)
        while True:
            # Keyset pages: the lock is held per query, never while the caller consumes.
            page = self._fetchall(query, params)
            for row in page:
                yield from unpack_row(run_id, row, wanted)
            if len(page) < _ROWS_PER_PAGE:
                return
            params[1] = page[-1][0]

    def close(self) -> None:
        """Release the connection."""
        with self._lock:
            self._conn.close()
