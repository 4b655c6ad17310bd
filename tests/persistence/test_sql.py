"""The SQL adapters (SQLite and PostgreSQL): migrations, the row layout, damaged rows,
compression, and database errors as StoreError."""

from __future__ import annotations

import re
import zlib
from itertools import groupby

import msgspec
import pytest
import zstandard

from tickwire.events import (
    DecodeError,
    EventBase,
    Fill,
    Side,
    Signal,
    encode,
)
from tickwire.persistence import (
    MIGRATIONS,
    RunInfo,
    RunStatus,
    StoreError,
    latest_version,
)
from tickwire.persistence._rows import MSGPACK, MSGPACK_ZLIB, MSGPACK_ZSTD
from tickwire.persistence._sql import SqlStore, encode_rows

from .conftest import OpenStore, bar, mixed_events


@pytest.fixture
def store(sql_store: SqlStore) -> SqlStore:
    """Here ``store`` is an SQL one (the memory store has no rows to look at)."""
    return sql_store


def versions(store: SqlStore) -> list[int]:
    return [row[0] for row in store._fetchall("SELECT version FROM schema_version ORDER BY 1")]


def run(run_id: str, started_ns: int = 1, **kw: object) -> RunInfo:
    return RunInfo(run_id=run_id, strategy="ema_cross", started_ns=started_ns, **kw)  # type: ignore[arg-type]


def test_opening_applies_every_migration_once(open_store: OpenStore) -> None:
    first = open_store()
    assert versions(first) == [m.version for m in MIGRATIONS]
    assert first.schema_version == latest_version()
    first.create_run(run("r1"))
    first.close()
    again = open_store()
    assert versions(again) == [m.version for m in MIGRATIONS]
    assert again.get_run("r1").strategy == "ema_cross"


def _rewind(store: SqlStore, version: int) -> None:
    """Make the database what a tickwire knowing only migrations 1..``version`` wrote."""
    store._execute("DROP TABLE events")
    store._execute("DROP TABLE runs")
    store._execute("DELETE FROM schema_version WHERE version > ?", (version,))
    for migration in MIGRATIONS[:version]:
        for statement in migration.statements(store.dialect):
            store._execute(statement)


_V1_RUN = (
    "INSERT INTO runs (run_id, strategy, parameters, data_sources, tickwire_version,"
    " started_ns, status, event_count) VALUES (?, 'old', '{}', '[]', '0.0', ?, ?, ?)"
)


def test_missing_migrations_are_applied_in_order(open_store: OpenStore) -> None:
    store = open_store()
    _rewind(store, 1)
    store._execute(_V1_RUN, ("r1", 1, RunStatus.FINISHED, 0))
    store.close()
    upgraded = open_store()
    assert versions(upgraded) == [m.version for m in MIGRATIONS]
    upgraded.create_run(run("r2"))
    assert {r.run_id for r in upgraded.list_runs()} == {"r1", "r2"}
    # The index exists again: creating it a second time fails.
    with pytest.raises(StoreError, match="runs_by_start"):
        upgraded._execute("CREATE INDEX runs_by_start ON runs (run_id)")


def test_runs_of_schema_version_3_have_no_owner_and_are_never_judged(
    open_store: OpenStore,
) -> None:
    store = open_store()
    _rewind(store, 3)
    store._execute(_V1_RUN, ("running", 2, RunStatus.RUNNING, 0))
    store._execute(_V1_RUN, ("done", 1, RunStatus.FINISHED, 7))
    store.close()
    upgraded = open_store()
    assert versions(upgraded) == [m.version for m in MIGRATIONS]
    running, done = upgraded.list_runs()
    assert (running.status, running.owner, running.rejected) == (RunStatus.RUNNING, None, 0)
    assert (done.status, done.event_count, done.rejected) == (RunStatus.FINISHED, 7, 0)
    assert upgraded.recover_crashed_runs() == []


def _old_row(seq: int, events: list[EventBase]) -> tuple[object, ...]:
    """A row as schema version 2 stored it: one type, uncompressed."""
    payload = bytes([0x90 | len(events)]) + b"".join(encode(e) for e in events)
    first = events[0]
    return (
        "old",
        seq,
        len(events),
        type(first).__name__,
        first.ts_event_ns,
        first.ts_created_ns,
        events[-1].ts_event_ns,
        "msgpack",
        payload,
    )


def test_rows_of_schema_version_2_are_upgraded_in_place(open_store: OpenStore) -> None:
    store = open_store()
    _rewind(store, 2)
    events = mixed_events(n_bars=3)
    store._execute(_V1_RUN, ("old", 1, RunStatus.FINISHED, len(events)))
    seq = 0
    for _, group in groupby(events, type):
        same = list(group)
        store._execute(
            "INSERT INTO events (run_id, seq, n_events, event_type, ts_event_ns, ts_created_ns,"
            " last_ts_event_ns, encoding, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _old_row(seq, same),
        )
        seq += len(same)
    store.close()
    upgraded = open_store()
    assert versions(upgraded) == [m.version for m in MIGRATIONS]
    assert list(upgraded.iter_events("old")) == events
    fills = [(i, e) for i, e in enumerate(events) if isinstance(e, Fill)]
    assert [(r.seq, r.event) for r in upgraded.iter_records("old", [Fill])] == fills
    upgraded.append_events("old", len(events), [bar(9)])
    assert list(upgraded.iter_events("old"))[-1] == bar(9)


def test_a_newer_schema_is_refused(open_store: OpenStore) -> None:
    store = open_store()
    store._execute(
        "INSERT INTO schema_version (version, description, applied_ns) VALUES (?, ?, ?)",
        (99, "from the future", 0),
    )
    store.close()
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        open_store()


def test_a_batch_is_one_row_of_mixed_types(store: SqlStore) -> None:
    store.create_run(run("r"))
    events = mixed_events(n_bars=5)
    store.append_events("r", 0, events)
    store.append_events("r", len(events), [bar(6), bar(7)])
    rows = store._fetchall(
        "SELECT seq, last_seq, event_types, ts_event_ns, last_ts_event_ns FROM events ORDER BY seq"
    )
    names = ",".join(dict.fromkeys(type(e).__name__ for e in events))
    n = len(events)
    last = events[-1].ts_event_ns
    assert rows == [
        (0, n - 1, names, events[0].ts_event_ns, last),
        (n, n + 1, "Bar", bar(6).ts_event_ns, bar(7).ts_event_ns),
    ]


def test_a_damaged_row_names_run_and_seq(store: SqlStore) -> None:
    store.create_run(run("r"))
    signal = Signal(ts_event_ns=1, instrument="X", side=Side.BUY, trigger_price=1.0)
    store.append_events("r", 0, [bar(0)])
    store.append_events("r", 1, [signal])
    store._execute("UPDATE events SET payload = ? WHERE seq = 1", (b"\x91\xc1",))
    with pytest.raises(DecodeError, match="run r, row at seq 1"):
        list(store.iter_events("r"))


def test_uncompressed_and_compressed_rows_both_read(open_store: OpenStore) -> None:
    store = open_store()
    store.create_run(run("r"))
    store.write_rows("r", encode_rows("r", 0, [bar(i) for i in range(100)]), compress=False)
    store.append_events("r", 100, [bar(i) for i in range(100, 200)])
    encodings = [r[0] for r in store._fetchall("SELECT encoding FROM events ORDER BY seq")]
    assert encodings == ["tuples", "tuples+zstd"]
    assert list(store.iter_events("r")) == [bar(i) for i in range(200)]


@pytest.mark.parametrize(
    "encoding", [MSGPACK, MSGPACK_ZSTD, MSGPACK_ZLIB], ids=["plain", "zstd", "zlib"]
)
def test_rows_of_schema_version_4_and_earlier_builds_still_read(
    store: SqlStore, encoding: str
) -> None:
    store.create_run(run("r"))
    events = [*mixed_events(n_bars=40), bar(99)]
    store.append_events("r", 0, events)
    # The row as schema 4 wrote it: an array of the codec's encodings, maybe compressed.
    payload = msgspec.msgpack.encode([msgspec.Raw(encode(e)) for e in events])
    if encoding == MSGPACK_ZSTD:
        payload = zstandard.ZstdCompressor(level=1).compress(payload)
    elif encoding == MSGPACK_ZLIB:
        payload = zlib.compress(payload, 1)
    store._execute("UPDATE events SET payload = ?, encoding = ?", (payload, encoding))
    assert list(store.iter_events("r")) == events
    fills = [(i, e) for i, e in enumerate(events) if isinstance(e, Fill)]
    assert [(r.seq, r.event) for r in store.iter_records("r", [Fill])] == fills
    store.append_events("r", len(events), [bar(100)])  # new rows beside the old one
    assert list(store.iter_events("r")) == [*events, bar(100)]


def test_a_database_error_is_a_store_error_naming_the_store(store: SqlStore) -> None:
    store.create_run(run("r"))
    store._execute("DROP TABLE events")
    with pytest.raises(StoreError, match=re.escape(store.location)):
        store.append_events("r", 0, [bar(0)])
    with pytest.raises(StoreError, match=re.escape(store.location)):
        list(store.iter_events("r"))


def test_a_crafted_row_that_decompresses_too_far_names_run_and_seq(store: SqlStore) -> None:
    store.create_run(run("r"))
    store.append_events("r", 0, [bar(0)])
    bomb = zstandard.ZstdCompressor().compress(bytes(8 << 20))  # 8 MiB for one event
    store._execute("UPDATE events SET encoding = 'msgpack+zstd', payload = ?", (bomb,))
    with pytest.raises(DecodeError, match="run r, row at seq 0: payload decompresses to more"):
        list(store.iter_events("r"))
