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

_EVENT_ROWS = """
CREATE TABLE event_rows (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    event_types TEXT NOT NULL,
    type_codes {blob},
    ts_event_ns BIGINT NOT NULL,
    last_ts_event_ns BIGINT NOT NULL,
    encoding TEXT NOT NULL,
    payload {blob} NOT NULL,
    PRIMARY KEY (run_id, seq)
)"""

# Rows of one type are mixed rows listing a single type (no type codes), so old data is
# copied as it is; dropping the old table drops its type index, which mixed rows outgrow.
_MIXED_ROWS = (
    _EVENT_ROWS,
    "INSERT INTO event_rows (run_id, seq, last_seq, event_types, type_codes, ts_event_ns,"
    " last_ts_event_ns, encoding, payload)"
    " SELECT run_id, seq, seq + n_events - 1, event_type, NULL, ts_event_ns,"
    " last_ts_event_ns, encoding, payload FROM events",
    "DROP TABLE events",
    "ALTER TABLE event_rows RENAME TO events",
)

# Who records a running run (for crash recovery) and how many published objects it could
# not store. ALTER TABLE ... ADD COLUMN is the same statement in both dialects.
_OWNER_AND_REJECTED = (
    "ALTER TABLE runs ADD COLUMN rejected BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN owner_host TEXT",
    "ALTER TABLE runs ADD COLUMN owner_pid BIGINT",
    "ALTER TABLE runs ADD COLUMN owner_start TEXT",
    "CREATE INDEX runs_by_status ON runs (status)",
)

# Rows of field tuples: the ``encoding`` column says which format a row has ("tuples",
# "tuples+zstd"; see _rows), so the rows already stored stay as they are and still read.
# The step changes no table: it marks databases that hold rows older builds cannot read,
# which then refuse to open them ("newer than this tickwire knows") instead of failing
# on the first such row.
_FIELD_TUPLES: tuple[str, ...] = ()

_SWEEP = (
    "ALTER TABLE runs ADD COLUMN sweep_id TEXT",
    "CREATE INDEX runs_by_sweep ON runs (sweep_id)",
)

_MODE = ("ALTER TABLE runs ADD COLUMN mode TEXT NOT NULL DEFAULT 'backtest'",)

# Rows whose bars are columns copied from the source's chunks ("columns", "columns+zstd";
# see _rows and _columns): like step 5, no table changes; older builds refuse the store.
_BAR_COLUMNS: tuple[str, ...] = ()

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
    Migration(
        3,
        "events: one row per range of events of any types, with their type names and codes",
        sqlite=tuple(text.format(blob="BLOB") for text in _MIXED_ROWS),
        postgresql=tuple(text.format(blob="BYTEA") for text in _MIXED_ROWS),
    ),
    Migration(
        4,
        "runs: the recording process (host, pid, start) and the count of rejected objects",
        sqlite=_OWNER_AND_REJECTED,
        postgresql=_OWNER_AND_REJECTED,
    ),
    Migration(
        5,
        "events: new rows hold field tuples after one layout per type (encoding 'tuples')",
        sqlite=_FIELD_TUPLES,
        postgresql=_FIELD_TUPLES,
    ),
    Migration(
        6,
        "runs: the sweep a run belongs to (each point of a recorded sweep is a run)",
        sqlite=_SWEEP,
        postgresql=_SWEEP,
    ),
    Migration(
        7,
        "runs: what produced the run (a backtest, a paper or a live session)",
        sqlite=_MODE,
        postgresql=_MODE,
    ),
    Migration(
        8,
        "events: rows may hold their bars as columns (encoding 'columns')",
        sqlite=_BAR_COLUMNS,
        postgresql=_BAR_COLUMNS,
    ),
)
"""Every schema step, oldest first. Append new steps; never edit a released one."""


def latest_version(migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """The schema version a database has once every migration is applied."""
    return max((m.version for m in migrations), default=0)
