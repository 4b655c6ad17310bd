"""The database schema as an ordered list of migrations, one SQL script per dialect."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MIGRATIONS", "VERSION_TABLE_DDL", "Migration", "latest_version"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step, applied once, in ``version`` order."""

    version: int
    description: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]

    def statements(self, dialect: str) -> tuple[str, ...]:
        """The statements of this step for ``dialect`` ("sqlite" or "postgresql")."""
        if dialect == "sqlite":
            return self.sqlite
        if dialect == "postgresql":
            return self.postgresql
        raise ValueError(f"unknown SQL dialect {dialect!r}")


VERSION_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_ns BIGINT NOT NULL)"
)
"""Created before any migration runs; one row per applied migration."""

_RUNS = """
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    strategy TEXT NOT NULL,
    parameters TEXT NOT NULL,
    data_sources TEXT NOT NULL,
    tickwire_version TEXT NOT NULL,
    started_ns BIGINT NOT NULL,
    ended_ns BIGINT,
    status TEXT NOT NULL,
    summary TEXT,
    event_count BIGINT NOT NULL DEFAULT 0
)"""

_EVENTS = """
CREATE TABLE events (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    n_events INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    ts_event_ns BIGINT NOT NULL,
    ts_created_ns BIGINT NOT NULL,
    last_ts_event_ns BIGINT NOT NULL,
    encoding TEXT NOT NULL,
    payload {blob} NOT NULL,
    PRIMARY KEY (run_id, seq)
)"""

_TYPE_INDEX = "CREATE INDEX events_by_type ON events (run_id, event_type, seq)"
_RUNS_INDEX = "CREATE INDEX runs_by_start ON runs (started_ns)"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "runs and events",
        sqlite=(_RUNS, _EVENTS.format(blob="BLOB")),
        postgresql=(_RUNS, _EVENTS.format(blob="BYTEA")),
    ),
    Migration(
        2,
        "indexes for type filters and run listing",
        sqlite=(_TYPE_INDEX, _RUNS_INDEX),
        postgresql=(_TYPE_INDEX, _RUNS_INDEX),
    ),
)
"""Every schema step, oldest first. Append new steps; never edit a released one."""


def latest_version(migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """The schema version a database has once every migration is applied."""
    return max((m.version for m in migrations), default=0)
