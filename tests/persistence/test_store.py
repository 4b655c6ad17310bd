"""Event stores (SQLite and PostgreSQL): schema migrations, run metadata, ordered events."""

from __future__ import annotations

import zlib
from itertools import groupby

import pytest
import zstandard

from tickwire.events import (
    Bar,
    DecodeError,
    EventBase,
    Fill,
    OrderSubmitted,
    Side,
    Signal,
    encode,
)
from tickwire.persistence import (
    MIGRATIONS,
    EventStore,
    RunInfo,
    RunStatus,
    StoreError,
    latest_version,
)
from tickwire.persistence._rows import MAX_EVENTS_PER_ROW
from tickwire.persistence._sql import SqlStore

from .conftest import OpenStore, bar, mixed_events


def versions(store: SqlStore) -> list[int]:
    return [row[0] for row in store._fetchall("SELECT version FROM schema_version ORDER BY 1")]


def run(run_id: str, started_ns: int = 1, **kw: object) -> RunInfo:
    return RunInfo(run_id=run_id, strategy="ema_cross", started_ns=started_ns, **kw)  # type: ignore[arg-type]


def test_stores_implement_the_protocol(store: SqlStore) -> None:
    assert isinstance(store, EventStore)


def test_opening_applies_every_migration_once(open_store: OpenStore) -> None:
    first = open_store()
    assert versions(first) == [m.version for m in MIGRATIONS]
    assert first.schema_version == latest_version()
    first.create_run(run("r1"))
    first.close()
    again = open_store()
    assert versions(again) == [m.version for m in MIGRATIONS]
    assert again.get_run("r1").strategy == "ema_cross"


def test_missing_migrations_are_applied_in_order(open_store: OpenStore) -> None:
    store = open_store()
    store.create_run(run("r1"))
    # Pretend the database was written before migration 2 existed.
    store._execute("DROP INDEX runs_by_start")
    store._execute("DELETE FROM schema_version WHERE version >= 2")
    store._execute("DROP TABLE events")
    for statement in MIGRATIONS[0].statements(store.dialect)[1:]:  # events as in version 1
        store._execute(statement)
    store.close()
    upgraded = open_store()
    assert versions(upgraded) == [m.version for m in MIGRATIONS]
    upgraded.create_run(run("r2"))
    assert {r.run_id for r in upgraded.list_runs()} == {"r1", "r2"}
    # The index exists again: creating it a second time fails.
    with pytest.raises(Exception, match="runs_by_start"):
        upgraded._execute("CREATE INDEX runs_by_start ON runs (run_id)")


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
    store.create_run(run("old"))
    store._execute("DELETE FROM schema_version WHERE version = 3")
    store._execute("DROP TABLE events")
    for migration in MIGRATIONS[:2]:
        for statement in migration.statements(store.dialect):
            if "events" in statement:
                store._execute(statement)
    events = mixed_events(n_bars=3)
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
    upgraded.append_batch("old", len(events), [bar(9)])
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


def test_run_metadata_round_trips(store: SqlStore) -> None:
    info = RunInfo(
        run_id="abc",
        strategy="ema_cross",
        parameters={"fast": 10, "slow": 30, "nested": {"a": [1, 2.5]}},
        data_sources=("data/aapl.csv", "binance:BTCUSDT"),
        tickwire_version="9.9.9",
        started_ns=1_700_000_000_000_000_000,
    )
    store.create_run(info)
    assert store.get_run("abc") == info
    store.finish_run(
        "abc",
        ended_ns=1_700_000_001_000_000_000,
        status=RunStatus.FINISHED,
        event_count=42,
        summary={"pnl": 12.5, "trades": 3},
    )
    done = store.get_run("abc")
    assert done.ended_ns == 1_700_000_001_000_000_000
    assert done.status == "finished"
    assert done.event_count == 42
    assert done.summary == {"pnl": 12.5, "trades": 3}
    assert done.ended_at is not None and done.ended_at.year == 2023
    assert done.parameters == info.parameters


def test_list_runs_newest_first(store: SqlStore) -> None:
    for run_id, started in [("old", 1), ("new", 3), ("mid", 2)]:
        store.create_run(run(run_id, started))
    assert [r.run_id for r in store.list_runs()] == ["new", "mid", "old"]


def test_unknown_run_is_a_key_error_naming_it(store: SqlStore) -> None:
    with pytest.raises(KeyError, match="nope"):
        store.get_run("nope")
    with pytest.raises(KeyError, match="nope"):
        store.iter_events("nope")
    with pytest.raises(KeyError, match="nope"):
        store.finish_run("nope", ended_ns=1, status="finished", event_count=0)


def test_parameters_must_be_json(store: SqlStore) -> None:
    with pytest.raises(TypeError, match="run bad: parameters must be JSON-serializable"):
        store.create_run(run("bad", parameters={"x": object()}))


def test_events_come_back_in_order_across_batches_and_rows(store: SqlStore) -> None:
    store.create_run(run("r"))
    events = mixed_events(n_bars=MAX_EVENTS_PER_ROW + 100)  # a bar stream over two rows
    store.append_batch("r", 0, events[:3000])
    store.append_batch("r", 3000, events[3000:])
    assert list(store.iter_events("r")) == events
    assert [rec.seq for rec in store.iter_records("r")] == list(range(len(events)))


def test_a_batch_is_one_row_of_mixed_types(store: SqlStore) -> None:
    store.create_run(run("r"))
    events = mixed_events(n_bars=5)
    store.append_batch("r", 0, events)
    store.append_batch("r", len(events), [bar(6), bar(7)])
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


def test_type_filter_keeps_order_and_sequence_numbers(store: SqlStore) -> None:
    store.create_run(run("r"))
    events = mixed_events()
    store.append_batch("r", 0, events)
    wanted = [(i, e) for i, e in enumerate(events) if type(e) in (Signal, Fill, OrderSubmitted)]
    records = list(store.iter_records("r", types=[Signal, "Fill", OrderSubmitted]))
    assert [(r.seq, r.event) for r in records] == wanted
    assert list(store.iter_events("r", types=[])) == []
    assert len(list(store.iter_events("r", types=[Bar]))) == 12


def test_bad_type_filter_is_rejected(store: SqlStore) -> None:
    store.create_run(run("r"))
    with pytest.raises(TypeError, match="expected an event class or name"):
        store.iter_events("r", types=[int])  # type: ignore[list-item]


def test_runs_do_not_mix(store: SqlStore) -> None:
    store.create_run(run("a"))
    store.create_run(run("b"))
    store.append_batch("a", 0, [bar(1), bar(2)])
    store.append_batch("b", 0, [bar(3)])
    assert list(store.iter_events("a")) == [bar(1), bar(2)]
    assert list(store.iter_events("b")) == [bar(3)]


def test_a_damaged_row_names_run_and_seq(store: SqlStore) -> None:
    store.create_run(run("r"))
    signal = Signal(ts_event_ns=1, instrument="X", side=Side.BUY, trigger_price=1.0)
    store.append_batch("r", 0, [bar(0)])
    store.append_batch("r", 1, [signal])
    store._execute("UPDATE events SET payload = ? WHERE seq = 1", (b"\x91\xc1",))
    with pytest.raises(DecodeError, match="run r, row at seq 1"):
        list(store.iter_events("r"))


def test_uncompressed_and_compressed_rows_both_read(open_store: OpenStore) -> None:
    store = open_store()
    store.create_run(run("r"))
    store.append_batch("r", 0, [bar(i) for i in range(100)], compress=False)
    store.append_batch("r", 100, [bar(i) for i in range(100, 200)])
    encodings = [r[0] for r in store._fetchall("SELECT encoding FROM events ORDER BY seq")]
    assert encodings == ["msgpack", "msgpack+zstd"]
    assert list(store.iter_events("r")) == [bar(i) for i in range(200)]


def test_zlib_rows_of_earlier_builds_still_read(store: SqlStore) -> None:
    store.create_run(run("r"))
    events = [bar(i) for i in range(100)]
    store.append_batch("r", 0, events)
    (payload,) = store._fetchall("SELECT payload FROM events")[0]
    msgpack = zstandard.ZstdDecompressor().decompress(bytes(payload))
    store._execute(
        "UPDATE events SET payload = ?, encoding = ?", (zlib.compress(msgpack, 1), "msgpack+zlib")
    )
    assert list(store.iter_events("r")) == events
