"""What the SQLite and PostgreSQL stores share: the queries, migrations and row decoding.

A store owns one connection in autocommit mode and makes its own transactions, under a
lock, so that the recorder's writer thread and readers can share it.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, ClassVar, Self

from tickwire.events import EventBase
from tickwire.persistence._rows import Row, pack_rows, stored, type_names, unpack_row
from tickwire.persistence._schema import MIGRATIONS, VERSION_TABLE_DDL, latest_version
from tickwire.persistence._types import EventRecord, RunInfo, RunNotFound, StoreError
from tickwire.persistence.store import EventTypes

__all__ = ["SqlStore"]

_RUN_COLUMNS = (
    "run_id, strategy, parameters, data_sources, tickwire_version, started_ns, ended_ns,"
    " status, summary, event_count"
)
_ROWS_PER_PAGE = 4
"""Rows fetched per query while iterating (each holds up to MAX_EVENTS_PER_ROW events)."""


def _to_json(value: Any, what: str, run_id: str) -> str:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"run {run_id}: {what} must be JSON-serializable: {exc}") from None


def _run_info(row: Sequence[Any]) -> RunInfo:
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
    )


class SqlStore(ABC):
    """An :class:`~tickwire.persistence.EventStore` over a DB-API connection."""

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

    # -- plumbing ----------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text if self._placeholder == "?" else text.replace("?", self._placeholder)

    def _fetchall(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return list(self._conn.execute(self._sql(text), params).fetchall())

    def _execute(self, text: str, params: Sequence[Any] = ()) -> int:
        with self._lock:
            return int(self._conn.execute(self._sql(text), params).rowcount)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
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

    # -- EventStore ----------------------------------------------------------------------

    def create_run(self, info: RunInfo) -> None:
        """Register a new run (``info.run_id`` must be unused)."""
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
        )
        with self._transaction():
            self._execute(
                f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", params
            )

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
        self.append_rows(run_id, pack_rows(first_seq, events, compress=False), compress=compress)

    def append_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        """Store rows made by ``pack_rows`` or ``build_row`` (the recorder builds them in the
        publishing thread) in one commit, compressing uncompressed ones unless
        ``compress=False``."""
        if not rows:
            return
        packed = [stored(row, self._compress and compress) for row in rows]
        with self._lock:
            self._insert_rows(run_id, packed)

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
        text = None if summary is None else _to_json(dict(summary), "summary", run_id)
        with self._transaction():
            changed = self._execute(
                "UPDATE runs SET ended_ns = ?, status = ?, event_count = ?, summary = ?"
                " WHERE run_id = ?",
                (ended_ns, status, event_count, text, run_id),
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
        self.get_run(run_id)  # an unknown run is an error now, not an empty iterator later
        names = None if types is None else type_names(types)
        return self._records(run_id, names)

    def iter_events(self, run_id: str, types: EventTypes = None) -> Iterator[EventBase]:
        """The run's events, decoded, in publish order; optionally only some types."""
        return (record.event for record in self.iter_records(run_id, types))

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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
