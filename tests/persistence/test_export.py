"""Exporting a run's events, fills and orders to CSV and Parquet."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tickwire.events import Fill, OrderSubmitted, decode_json
from tickwire.persistence import FILL_COLUMNS, MemoryStore, RunInfo, export_run, write_fills
from tickwire.persistence.export import iso_time

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
    assert export_run(recorded, "r", what="events", path=path).rows == len(events)
    rows = read_csv(path)
    assert [int(r["seq"]) for r in rows] == list(range(len(events)))
    assert [r["event_type"] for r in rows] == [type(e).__name__ for e in events]
    assert [int(r["ts_event_ns"]) for r in rows] == [e.ts_event_ns for e in events]
    assert [decode_json(r["payload_json"]) for r in rows] == events


def test_fills_to_parquet(recorded: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "fills.parquet"
    exported = export_run(recorded, "r", what="fills", path=path)
    assert (exported.rows, str(exported)) == (1, "1 fill")
    table = pq.read_table(path)
    assert table.schema.field("time").type == pa.timestamp("ns", "UTC")
    (fill,) = (e for e in EVENTS if isinstance(e, Fill))
    assert table.to_pylist() == [
        {
            "time": pd.Timestamp(fill.ts_event_ns, unit="ns", tz="UTC"),
            "instrument": "AAPL",
            "side": "BUY",
            "quantity": 10.0,
            "price": 101.1,
            "commission": 0.5,
            "order_id": fill.order_id,
            "fill_id": fill.id,
            "strategy": "",
            "signal_id": None,
        }
    ]


def test_fills_are_written_in_one_format_from_a_store_or_a_list(
    recorded: MemoryStore, tmp_path: Path
) -> None:
    fills = [e for e in EVENTS if isinstance(e, Fill)]
    export_run(recorded, "r", what="fills", path=tmp_path / "stored.csv")
    assert write_fills(fills, tmp_path / "listed.csv") == len(fills)
    stored = (tmp_path / "stored.csv").read_text(encoding="utf-8")
    assert stored == (tmp_path / "listed.csv").read_text(encoding="utf-8")
    (row,) = read_csv(tmp_path / "stored.csv")
    assert list(row) == list(FILL_COLUMNS) and row["time"] == iso_time(fills[0].ts_event_ns)


@pytest.mark.parametrize(
    ("ts_ns", "text"),
    [
        (0, "1970-01-01T00:00:00+00:00"),
        (1_700_000_000_123_000_000, "2023-11-14T22:13:20.123+00:00"),
        (1_700_000_000_000_000_007, "2023-11-14T22:13:20.000000007+00:00"),
        (-1, "1969-12-31T23:59:59.999999999+00:00"),
    ],
)
def test_iso_times_keep_every_nanosecond(ts_ns: int, text: str) -> None:
    assert iso_time(ts_ns) == text


def test_orders_show_lifecycle_and_request_terms(recorded: MemoryStore, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        path = tmp_path / f"orders.{fmt}"
        exported = export_run(recorded, "r", what="orders", path=path)
        assert str(exported) == "4 order events of 1 orders"
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
    assert export_run(store, "empty", what="fills", path=path).rows == 0
    header = path.read_text(encoding="utf-8").splitlines()
    assert header[0].split(",") == list(FILL_COLUMNS)
    assert len(header) == 1
