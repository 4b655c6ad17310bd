"""The SQLite event store: the default, one file in the user's data folder."""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import time
from functools import cache
from pathlib import Path

from tickwire._exceptions import ConfigError
from tickwire.persistence._rows import Row
from tickwire.persistence._sql import SqlStore
from tickwire.persistence._types import StoreError

__all__ = ["HOME_ENV", "SQLiteStore", "default_database_path"]

HOME_ENV = "TICKWIRE_HOME"
"""Environment variable naming the folder that holds ``tickwire.db`` (overrides the default)."""

BUSY_TIMEOUT = 30.0
"""Seconds a connection waits for another process's lock before giving up."""


def default_database_path() -> Path:
    """``$TICKWIRE_HOME/tickwire.db``, else ``tickwire.db`` in the platform's user data folder."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / "tickwire.db"
    try:
        from platformdirs import user_data_dir
    except ImportError:  # platformdirs is optional: fall back to the XDG default
        return Path.home() / ".local" / "share" / "tickwire" / "tickwire.db"
    return Path(user_data_dir("tickwire")) / "tickwire.db"


PAGE_SIZE = 65536
"""The page size of a new database file (SQLite's largest)."""

_ROWS_PER_INSERT = 100
"""Rows per INSERT statement: 900 parameters, below SQLite's oldest limit of 999."""


def _parameters(run_id: str, rows: list[Row]) -> list[object]:
    return [value for row in rows for value in (run_id, *row)]


@cache
def _insert_statement(n_rows: int) -> str:
    return (
        "INSERT INTO events (run_id, seq, last_seq, event_types, type_codes, ts_event_ns,"
        " last_ts_event_ns, encoding, payload) VALUES "
        + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * n_rows)
    )


def _create_private(path: Path) -> None:
    """Make the folders missing above ``path`` (mode 0700) and the file itself (0600): a
    trading journal is its user's alone. What exists already is left as it is; SQLite
    gives the WAL and shared-memory files the mode of the database file."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            folder.mkdir(mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _switch_to_wal(conn: sqlite3.Connection, deadline: float) -> None:
    """Put the database in WAL mode. SQLite answers "locked" at once, without waiting
    for the busy timeout, while another connection is setting up the same new file, so
    retry (with a little jitter, so two openers do not retry in step) until ``deadline``."""
    delay = 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay * (1 + random.random()))
        delay = min(delay * 2, 0.05)


class SQLiteStore(SqlStore):
    """Runs and events in one SQLite file (or ``":memory:"``), in WAL mode.

    ``synchronous`` is SQLite's durability setting: "NORMAL" (default) survives a crash
    of the process, "FULL" also a power loss, "OFF" neither but writes fastest. With
    ``compress``, large payloads are stored zstd-compressed (about 4 times smaller).
    A new file (and any folder made for it) is readable by its user only. Several
    processes may open, and first create, the same file at once.
    """

    dialect = "sqlite"
    _begin = "BEGIN IMMEDIATE"  # take the write lock up front: no upgrade deadlocks

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        synchronous: str = "NORMAL",
        compress: bool = True,
    ) -> None:
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ConfigError(
                f"SQLiteStore synchronous: expected OFF/NORMAL/FULL, got {synchronous!r}"
            )
        target = default_database_path() if path is None else path
        location = str(target)
        deadline = time.monotonic() + BUSY_TIMEOUT
        try:
            if location != ":memory:":
                file = Path(target).expanduser()
                location = str(file)
                _create_private(file)
            conn = sqlite3.connect(
                location, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open SQLite database {location}: {exc}") from exc
        try:
            # Before the first table: a new file gets large pages (ignored by an existing
            # one). A recorder's rows are blobs of about a megabyte; in 4 KiB pages each
            # insert wrote a chain of overflow pages through the WAL at ten times the cost.
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
            if location != ":memory:":
                _switch_to_wal(conn, deadline)
            conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot open SQLite database {location}: {exc}") from exc
        self.path = location
        """The database file (or ":memory:")."""
        super().__init__(conn, location, compress=compress)

    def _is_database_error(self, exc: BaseException) -> bool:
        # OverflowError: an int that no SQLite INTEGER holds, refused while binding.
        return isinstance(exc, (sqlite3.Error, OverflowError))

    def _lock_schema(self) -> None:
        """Nothing to do: ``BEGIN IMMEDIATE`` already holds the database's write lock."""

    def _insert_rows(self, run_id: str, rows: list[Row]) -> None:
        # Many rows per statement: executemany would step once per row, releasing the GIL
        # each time, and one statement needs no BEGIN and COMMIT to be atomic.
        if len(rows) <= _ROWS_PER_INSERT:
            self._conn.execute(_insert_statement(len(rows)), _parameters(run_id, rows))
            return
        with self._transaction():
            for start in range(0, len(rows), _ROWS_PER_INSERT):
                chunk = rows[start : start + _ROWS_PER_INSERT]
                self._conn.execute(_insert_statement(len(chunk)), _parameters(run_id, chunk))
