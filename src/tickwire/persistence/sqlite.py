"""The SQLite event store: the default, one file in the user's data folder."""

from __future__ import annotations

import os
import sqlite3
from functools import cache
from pathlib import Path

from tickwire.persistence._rows import Row
from tickwire.persistence._sql import SqlStore

__all__ = ["HOME_ENV", "SQLiteStore", "default_database_path"]

HOME_ENV = "TICKWIRE_HOME"
"""Environment variable naming the folder that holds ``tickwire.db`` (overrides the default)."""


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


class SQLiteStore(SqlStore):
    """Runs and events in one SQLite file (or ``":memory:"``), in WAL mode.

    ``synchronous`` is SQLite's durability setting: "NORMAL" (default) survives a crash
    of the process, "FULL" also a power loss, "OFF" neither but writes fastest. With
    ``compress``, large payloads are stored zstd-compressed (about 4 times smaller).
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
            raise ValueError(
                f"SQLiteStore synchronous: expected OFF/NORMAL/FULL, got {synchronous!r}"
            )
        target = default_database_path() if path is None else path
        location = str(target)
        if location != ":memory:":
            Path(target).expanduser().parent.mkdir(parents=True, exist_ok=True)
            location = str(Path(target).expanduser())
        conn = sqlite3.connect(location, isolation_level=None, check_same_thread=False)
        if location != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={synchronous.upper()}")
        conn.execute("PRAGMA foreign_keys=ON")
        self.path = location
        """The database file (or ":memory:")."""
        super().__init__(conn, location, compress=compress)

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
