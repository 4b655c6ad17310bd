"""Export a recorded run's events, fills or orders as a CSV or Parquet table."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from tickwire.events import (
    ORDER_UPDATES,
    CancelOrder,
    EventBase,
    Fill,
    SubmitOrder,
    encode_json,
)
from tickwire.persistence._types import EventRecord
from tickwire.persistence.port import EventStore

__all__ = ["EXPORT_FORMATS", "EXPORT_KINDS", "export_run"]

EXPORT_KINDS = ("events", "fills", "orders")
EXPORT_FORMATS = ("csv", "parquet")

_ORDER_TYPES: tuple[type[EventBase], ...] = (SubmitOrder, CancelOrder, *ORDER_UPDATES)


def _field_union(types: tuple[type[EventBase], ...], skip: frozenset[str]) -> list[str]:
    names: dict[str, None] = {}
    for cls in types:
        for field in msgspec.structs.fields(cls):
            if field.name not in skip:
                names.setdefault(field.name)
    return list(names)


_EVENT_COLUMNS = ["seq", "event_type", "ts_event_ns", "ts_created_ns", "payload_json"]
_FILL_COLUMNS = ["seq", "event_type", *_field_union((Fill,), frozenset())]
_ORDER_COLUMNS = ["seq", "event_type", "status", *_field_union(_ORDER_TYPES, frozenset({"order"}))]


def _event_row(record: EventRecord) -> dict[str, Any]:
    event = record.event
    return {
        "seq": record.seq,
        "event_type": type(event).__name__,
        "ts_event_ns": event.ts_event_ns,
        "ts_created_ns": event.ts_created_ns,
        "payload_json": encode_json(event).decode(),
    }


def _struct_row(record: EventRecord) -> dict[str, Any]:
    event = record.event
    values: dict[str, Any] = msgspec.to_builtins(event)
    values.pop("_type", None)
    # OrderSubmitted carries its request: show the request's terms in the same row.
    inner = values.pop("order", None)
    if isinstance(inner, dict):
        for key, value in inner.items():
            values.setdefault(key, value)
    status = getattr(type(event), "status", None)
    values["status"] = None if status is None else str(status)
    values["seq"] = record.seq
    values["event_type"] = type(event).__name__
    return values


_KINDS: dict[
    str,
    tuple[tuple[type[EventBase], ...] | None, list[str], Callable[[EventRecord], dict[str, Any]]],
] = {
    "events": (None, _EVENT_COLUMNS, _event_row),
    "fills": ((Fill,), _FILL_COLUMNS, _struct_row),
    "orders": (_ORDER_TYPES, _ORDER_COLUMNS, _struct_row),
}


def export_run(
    store: EventStore,
    run_id: str,
    *,
    path: str | os.PathLike[str],
    what: str = "events",
    fmt: str | None = None,
) -> int:
    """Write the run's ``what`` ("events", "fills" or "orders") to ``path``; returns rows.

    ``fmt`` is "csv" or "parquet"; by default it follows the file suffix. Events export
    with their type, timestamps and JSON payload; fills and orders with one column per
    field (orders also show the terms of the request an ``OrderSubmitted`` carries).
    Parquet needs pyarrow.
    """
    if what not in _KINDS:
        raise ValueError(f"export_run what: expected one of {EXPORT_KINDS}, got {what!r}")
    target = Path(path)
    fmt = fmt or target.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(
            f"export_run fmt: expected one of {EXPORT_FORMATS} (or a .csv/.parquet path), "
            f"got {fmt!r} for {target}"
        )
    types, columns, to_row = _KINDS[what]
    rows = map(to_row, store.iter_records(run_id, types))
    if fmt == "csv":
        return _write_csv(target, columns, rows)
    return _write_parquet(target, columns, rows)


def _write_csv(path: Path, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _write_parquet(path: Path, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        raise RuntimeError(
            f"writing {path}: Parquet export needs pyarrow (pip install pyarrow)"
        ) from None
    data: dict[str, list[Any]] = {name: [] for name in columns}
    count = 0
    for row in rows:
        for name, values in data.items():
            values.append(row.get(name))
        count += 1
    pq.write_table(pa.table(data), path)
    return count
