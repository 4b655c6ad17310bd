"""A store written by schema version 4 (main at 6e7e620, one msgpack map per event) opens,
is migrated, and reads back event for event through every reader; new runs and new rows
beside the old ones use the current format."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tickwire.bus import EventBus
from tickwire.events import Bar, EventBase, Fill, decode_json
from tickwire.persistence import SQLiteStore, export_run, latest_version, replay
from tickwire.persistence._rows import TUPLES

DATA = Path(__file__).parent / "data"
RUN_ID = "1fe2fdc4cd054d5bba7cceac138627e5"


@pytest.fixture
def old_store(tmp_path: Path) -> SQLiteStore:
    """A copy of the fixture (opening a store migrates it in place)."""
    path = tmp_path / "v4.db"
    shutil.copy(DATA / "schema_v4.db", path)
    return SQLiteStore(path)


def recorded() -> list[EventBase]:
    """The events the fixture holds, as JSON written when it was made."""
    lines = (DATA / "schema_v4.jsonl").read_bytes().splitlines()
    return [decode_json(line) for line in lines]


def test_the_fixture_is_in_the_format_of_schema_version_4() -> None:
    with sqlite3.connect(DATA / "schema_v4.db") as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (4,)
        encodings = {row[0] for row in conn.execute("SELECT encoding FROM events")}
    assert encodings == {"msgpack", "msgpack+zstd"}


def test_a_schema_4_store_is_migrated_and_reads_back_every_event(old_store: SQLiteStore) -> None:
    assert old_store.schema_version == latest_version() == 8
    (info,) = old_store.list_runs()
    assert (info.run_id, info.status, info.event_count) == (RUN_ID, "finished", 691)
    assert info.mode == "backtest"  # runs from before modes were recorded were backtests
    events = recorded()
    assert list(old_store.iter_events(RUN_ID)) == events
    fills = [(seq, e) for seq, e in enumerate(events) if isinstance(e, Fill)]
    assert fills and [(r.seq, r.event) for r in old_store.iter_records(RUN_ID, [Fill])] == fills
    bus = EventBus()
    seen: list[EventBase] = []
    bus.subscribe_all(seen.append)
    assert replay(old_store, RUN_ID, bus, types=[Bar]) == 600
    assert seen == [e for e in events if isinstance(e, Bar)]


def test_old_and_new_rows_read_together(old_store: SQLiteStore, tmp_path: Path) -> None:
    events = recorded()
    extra = Bar(ts_event_ns=10**18, instrument="SYNTH", open=1, high=2, low=1, close=2)
    old_store.append_events(RUN_ID, len(events), [extra])
    (encoding,) = old_store._fetchall("SELECT encoding FROM events WHERE seq = ?", (691,))[0]
    assert encoding == TUPLES
    assert list(old_store.iter_events(RUN_ID)) == [*events, extra]
    written = export_run(old_store, RUN_ID, path=tmp_path / "fills.csv", what="fills").rows
    assert written == sum(isinstance(e, Fill) for e in events)
