"""Exporting a run's events, fills and orders to CSV and Parquet."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tickwire.events import Fill, OrderSubmitted, decode_json
from tickwire.persistence import MemoryStore, RunInfo, export_run

from .conftest import mixed_events

EVENTS = mixed_events()


@pytest.fixture
def recorded(store: MemoryStore) -> MemoryStore:
    store.create_run(RunInfo(run_id="r", strategy="s"))
    store.append_events("r", 0, EVENTS)
    return store


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_events_to_csv_keep_order_types_and_payload(recorded: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    events = EVENTS
    assert export_run(recorded, "r", what="events", path=path) == len(events)
    rows = read_csv(path)
    assert [int(r["seq"]) for r in rows] == list(range(len(events)))
    assert [r["event_type"] for r in rows] == [type(e).__name__ for e in events]
    assert [int(r["ts_event_ns"]) for r in rows] == [e.ts_event_ns for e in events]
    assert [decode_json(r["payload_json"]) for r in rows] == events


def test_fills_to_parquet(recorded: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "fills.parquet"
    assert export_run(recorded, "r", what="fills", path=path) == 1
    table = pq.read_table(path).to_pylist()
    (fill,) = (e for e in EVENTS if isinstance(e, Fill))
    assert table == [
        {
            "seq": 15,
            "event_type": "Fill",
            "ts_event_ns": fill.ts_event_ns,
            "ts_created_ns": fill.ts_created_ns,
            "order_id": fill.order_id,
            "instrument": "AAPL",
            "side": "BUY",
            "quantity": 10.0,
            "price": 101.1,
            "commission": 0.5,
            "signal_id": None,
            "strategy_name": "",
            "id": fill.id,
        }
    ]


def test_orders_show_lifecycle_and_request_terms(recorded: MemoryStore, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        path = tmp_path / f"orders.{fmt}"
        assert export_run(recorded, "r", what="orders", path=path) == 4
        rows = read_csv(path) if fmt == "csv" else pq.read_table(path).to_pylist()
        assert [r["event_type"] for r in rows] == [
            "SubmitOrder",
            "OrderSubmitted",
            "OrderAccepted",
            "OrderFilled",
        ]
        assert [r["status"] for r in rows][1:] == ["SUBMITTED", "ACCEPTED", "FILLED"]
        submitted = rows[1]
        (event,) = (e for e in EVENTS if isinstance(e, OrderSubmitted))
        assert submitted["order_id"] == event.order_id
        assert submitted["side"] == "BUY" and float(submitted["quantity"]) == 10.0
        assert submitted["order_type"] == "MARKET"
        assert float(rows[3]["avg_fill_price"]) == 101.1


def test_format_follows_the_suffix_or_is_given(recorded: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "events.data"
    export_run(recorded, "r", what="events", fmt="parquet", path=path)
    assert pq.read_table(path).num_rows == len(EVENTS)
    with pytest.raises(ValueError, match="fmt: expected one of"):
        export_run(recorded, "r", what="events", path=tmp_path / "events.xlsx")
    with pytest.raises(ValueError, match="what: expected one of"):
        export_run(recorded, "r", what="trades", path=tmp_path / "t.csv")


def test_an_empty_selection_writes_a_header(store: MemoryStore, tmp_path: Path) -> None:
    store.create_run(RunInfo(run_id="empty", strategy="s"))
    path = tmp_path / "fills.csv"
    assert export_run(store, "empty", what="fills", path=path) == 0
    header = path.read_text(encoding="utf-8").splitlines()
    assert header[0].split(",")[:4] == ["seq", "event_type", "ts_event_ns", "ts_created_ns"]
    assert len(header) == 1
