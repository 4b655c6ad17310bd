"""Bars stored as the source's columns (schema 8, encoding "columns"): a run recorded so
reads back, through every reader, exactly the events published, in the order the
recorder saw them (bars among the orders and fills they caused); runs whose bars did not
come from chunks, and stores of the earlier format, are unchanged."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from tickwire.backtest import Backtest
from tickwire.bus import EventBus
from tickwire.data import (
    BarChunk,
    read_bars,
    synthetic_bars,
    write_bars_csv,
    write_bars_parquet,
)
from tickwire.data.chunks import repeated_name
from tickwire.events import Bar, DecodeError, EventBase, Fill, InfoEvent, decode_json
from tickwire.events._taps import chunk_tap
from tickwire.persistence import (
    RECORDER_PRIORITY,
    EventStore,
    MemoryStore,
    RecordedMarketData,
    Recorder,
    SQLiteStore,
    export_run,
    latest_version,
    replay,
)
from tickwire.persistence._capture import EventCapture
from tickwire.persistence._rows import COLUMNS, COLUMNS_ZSTD, TUPLES, TUPLES_ZSTD, Row, unpack_row
from tickwire.persistence._sql import SqlStore
from tickwire.persistence.diff import diff_runs
from tickwire.strategy.ema_cross import EmaCross

DATA = Path(__file__).parent / "data"
V7_RUN = "00eb10f4ed0148c49a24fbb7cdbf4571"


def recorded_backtest(
    store: EventStore, data: object, batch_size: int = 5_000
) -> tuple[str, list[EventBase], list[Fill]]:
    """Run EmaCross on ``data`` with a recorder on ``store``; the run id, every event in
    the order the recorder received them (seen by a handler just before it), the fills."""
    engine = Backtest(strategy=EmaCross, data=data, cash=1e6)  # type: ignore[arg-type]
    seen: list[EventBase] = []
    engine.bus.subscribe_all(seen.append, priority=RECORDER_PRIORITY + 1)
    with Recorder(store, strategy="EmaCross", batch_size=batch_size).attach(engine.bus) as rec:
        result = engine.run()
    assert rec.recorded == len(seen) == result.events
    return rec.run_id, seen, result.fills


def plain(fills: list[Fill]) -> list[tuple[object, ...]]:
    """The fills without their creation times (which differ between runs)."""
    return [(f.ts_event_ns, f.instrument, f.side, f.quantity, f.price, f.order_id) for f in fills]


def encodings(store: SqlStore, run_id: str) -> set[str]:
    rows = store._fetchall("SELECT encoding FROM events WHERE run_id = ?", (run_id,))
    return {row[0] for row in rows}


def two_instrument_csv(path: Path, n: int) -> Path:
    """A CSV with an instrument column naming two instruments, bars interleaved."""
    first = list(synthetic_bars(n, seed=3, instrument="AAA", gap_probability=0.3))
    second = list(synthetic_bars(n, seed=4, instrument="BBB", gap_probability=0.3))
    write_bars_csv(path, [bar for pair in zip(first, second, strict=True) for bar in pair])
    return path


def test_a_run_over_synthetic_bars_reads_back_event_for_event(sql_store: SqlStore) -> None:
    run_id, seen, fills = recorded_backtest(sql_store, synthetic_bars(40_000, seed=7))
    assert fills and encodings(sql_store, run_id) <= {COLUMNS, COLUMNS_ZSTD}
    assert COLUMNS_ZSTD in encodings(sql_store, run_id)
    assert list(sql_store.iter_events(run_id)) == seen
    bars = [(seq, e) for seq, e in enumerate(seen) if type(e) is Bar]
    assert [(r.seq, r.event) for r in sql_store.iter_records(run_id, [Bar])] == bars
    fill_records = [(seq, e) for seq, e in enumerate(seen) if isinstance(e, Fill)]
    assert [(r.seq, r.event) for r in sql_store.iter_records(run_id, [Fill])] == fill_records


def test_a_run_over_a_csv_of_two_instruments_reads_back(
    sql_store: SqlStore, tmp_path: Path
) -> None:
    source = read_bars(two_instrument_csv(tmp_path / "bars.csv", 12_000))
    run_id, seen, _ = recorded_backtest(sql_store, source, batch_size=3_000)
    assert {e.instrument for e in seen if type(e) is Bar} == {"AAA", "BBB"}
    assert COLUMNS_ZSTD in encodings(sql_store, run_id)
    assert list(sql_store.iter_events(run_id)) == seen


def test_a_run_over_a_parquet_file_reads_back(sql_store: SqlStore, tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    write_bars_parquet(path, synthetic_bars(20_000, seed=9, gap_probability=0.3))
    run_id, seen, fills = recorded_backtest(sql_store, read_bars(path))
    assert fills and COLUMNS_ZSTD in encodings(sql_store, run_id)
    assert list(sql_store.iter_events(run_id)) == seen


def test_every_reader_sees_the_bars_and_fills_of_the_run(
    sql_store: SqlStore, tmp_path: Path
) -> None:
    data = synthetic_bars(20_000, seed=11, gap_probability=0.3)
    run_id, seen, fills = recorded_backtest(sql_store, data)
    bus = EventBus()
    replayed: list[EventBase] = []
    bus.subscribe_all(replayed.append)
    assert replay(sql_store, run_id, bus) == len(seen)
    assert replayed == seen
    market = list(RecordedMarketData(sql_store, run_id))
    assert market == [e for e in seen if type(e) is Bar]
    # The same backtest over a list of the bars (no chunks: every bar a field tuple).
    listed_id, _, listed_fills = recorded_backtest(sql_store, list(data))
    assert encodings(sql_store, listed_id) <= {TUPLES, TUPLES_ZSTD}
    assert plain(listed_fills) == plain(fills)
    assert diff_runs(sql_store, run_id, listed_id).identical
    exported = export_run(sql_store, run_id, path=tmp_path / "a.csv", what="fills")
    listed_export = export_run(sql_store, listed_id, path=tmp_path / "b.csv", what="fills")
    assert exported.rows == listed_export.rows == len(fills)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    # The backtest again from the recorded bars gives the same fills.
    again = Backtest(strategy=EmaCross, data=RecordedMarketData(sql_store, run_id), cash=1e6)
    assert plain(again.run().fills) == plain(fills)


def test_memory_store_gets_the_events_decoded() -> None:
    store = MemoryStore()
    run_id, seen, _ = recorded_backtest(store, synthetic_bars(5_000, seed=2), batch_size=700)
    assert list(store.iter_events(run_id)) == seen


def chunk(n: int, start: int = 0) -> BarChunk:
    ts = np.arange(start, start + n, dtype=np.int64) * 60_000_000_000 + 10**18
    prices = 100.0 + np.arange(n, dtype=np.float64) / 7
    return BarChunk(
        ts=ts,
        open=prices,
        high=prices + 1,
        low=prices - 1,
        close=prices + 0.5,
        volume=np.full(n, 3.0),
        instrument=repeated_name("X", n),
    )


def bars_of(part: BarChunk, created: int) -> list[Bar]:
    return [
        Bar(
            ts_event_ns=int(part.ts[i]),
            ts_created_ns=created,
            instrument="X",
            open=float(part.open[i]),
            high=float(part.high[i]),
            low=float(part.low[i]),
            close=float(part.close[i]),
            volume=float(part.volume[i]),
            interval="1m",
        )
        for i in range(len(part))
    ]


def captured(feed: list[tuple[str, object]]) -> list[EventBase]:
    """Drive an EventCapture as a chunk tap is driven (("chunk", (chunk, created)),
    ("mark", bar) as the bar is made, ("publish", event)); the events its rows hold."""
    rows: list[Row] = []
    capture = EventCapture(10_000, lambda batch, _: rows.extend(batch), lambda *_: None)
    for what, item in feed:
        if what == "chunk":
            part, created = item  # type: ignore[misc]
            capture.chunk(part, created, "1m")
        elif what == "mark":
            capture.marks.last = item  # as bars_from_chunks does
            capture.marks.made += 1
        else:
            capture.capture(item)
    capture.seal()
    out: list[EventBase] = []
    for row in rows:
        stored = (row.seq, row.last_seq, row.event_types, row.type_codes, row.encoding)
        out += [r.event for r in unpack_row("run", (*stored, bytes(row.payload)))]
    return out


def test_bars_marked_but_never_published_are_not_stored_and_others_keep_their_place() -> None:
    first, second = chunk(100), chunk(50, start=100)
    bars = bars_of(first, 7) + bars_of(second, 8)
    stray = Bar(ts_event_ns=5, instrument="Y", open=1, high=2, low=1, close=2)  # not marked
    info = InfoEvent(ts_event_ns=6, component="test", message="between")
    feed: list[tuple[str, object]] = [("chunk", (first, 7))]
    expected: list[EventBase] = []
    for i, bar in enumerate(bars):
        if i == 100:
            feed.append(("chunk", (second, 8)))
        feed.append(("mark", bar))
        if i % 17 == 3:
            continue  # made, never published
        if i % 10 == 0:
            feed.append(("publish", info))  # published between the mark and the bar
            expected.append(info)
        feed.append(("publish", bar))
        expected.append(bar)
        if i % 25 == 0:
            feed.append(("publish", stray))
            expected.append(stray)
    assert captured(feed) == expected


def test_a_damaged_columns_row_names_the_run_and_row(sql_store: SqlStore) -> None:
    run_id, _, _ = recorded_backtest(sql_store, synthetic_bars(3_000, seed=5))
    seq, last, types, codes, _, _ = sql_store._fetchall(
        "SELECT seq, last_seq, event_types, type_codes, encoding, payload FROM events"
        " WHERE run_id = ? ORDER BY seq",
        (run_id,),
    )[0]
    payload = b"\xdd" + (2).to_bytes(4, "big") + b"\x90" + b"\x9b\x00"  # a short block
    with pytest.raises(DecodeError, match=f"run {run_id}, row at seq {seq}"):
        unpack_row(run_id, (seq, last, types, codes, COLUMNS, payload))


def test_the_tap_is_registered_only_while_the_recorder_is_attached() -> None:
    bus = EventBus()
    recorder = Recorder(MemoryStore()).attach(bus)
    assert chunk_tap(bus) is not None
    second = Recorder(MemoryStore()).attach(bus)  # encodes bars itself
    second.close()
    assert chunk_tap(bus) is not None
    recorder.close()
    assert chunk_tap(bus) is None


@pytest.fixture
def v7_store(tmp_path: Path) -> SQLiteStore:
    """A copy of a store written by schema 7 (opening a store migrates it in place)."""
    path = tmp_path / "v7.db"
    shutil.copy(DATA / "schema_v7.db", path)
    return SQLiteStore(path)


def test_the_v7_fixture_is_in_the_format_of_schema_version_7() -> None:
    with sqlite3.connect(DATA / "schema_v7.db") as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone() == (7,)
        found = {row[0] for row in conn.execute("SELECT encoding FROM events")}
    assert found == {TUPLES_ZSTD}


def test_a_schema_7_store_is_migrated_and_reads_back_beside_new_runs(v7_store: SQLiteStore) -> None:
    assert v7_store.schema_version == latest_version() == 8
    lines = (DATA / "schema_v7.jsonl").read_bytes().splitlines()
    events = [decode_json(line) for line in lines]
    assert list(v7_store.iter_events(V7_RUN)) == events
    bars = [e for e in events if type(e) is Bar]
    assert list(RecordedMarketData(v7_store, V7_RUN)) == bars
    run_id, seen, _ = recorded_backtest(v7_store, synthetic_bars(2_000, seed=7))
    assert COLUMNS_ZSTD in encodings(v7_store, run_id)
    assert list(v7_store.iter_events(run_id)) == seen
    assert list(v7_store.iter_events(V7_RUN)) == events
