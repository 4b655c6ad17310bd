"""Export a recorded run's events, fills or orders as a CSV or Parquet table.

Fills have one format wherever tickwire writes them (``runs export --what fills``,
``backtest --fills-out``, :func:`write_fills`): the columns of :data:`FILL_COLUMNS`, with
the fill's market time as ISO 8601 UTC text in CSV and a UTC timestamp in Parquet.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
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

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_KINDS",
    "FILL_COLUMNS",
    "Exported",
    "export_run",
    "iso_time",
    "write_fills",
]

EXPORT_KINDS = ("events", "fills", "orders")
EXPORT_FORMATS = ("csv", "parquet")
FILL_COLUMNS = (
    "time",
    "instrument",
    "side",
    "quantity",
    "price",
    "commission",
    "order_id",
    "fill_id",
    "strategy",
    "signal_id",
)
"""The fills format: ``time`` is when the fill happened (market time, UTC)."""
_TIME_COLUMNS = frozenset({"time"})

_ORDER_TYPES: tuple[type[EventBase], ...] = (SubmitOrder, CancelOrder, *ORDER_UPDATES)


def _field_union(types: tuple[type[EventBase], ...], skip: frozenset[str]) -> list[str]:
    names: dict[str, None] = {}
    for cls in types:
        for field in msgspec.structs.fields(cls):
            if field.name not in skip:
                names.setdefault(field.name)
    return list(names)


_EVENT_COLUMNS = ["seq", "event_type", "ts_event_ns", "ts_created_ns", "payload_json"]
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


def _fill_row(record: EventRecord) -> dict[str, Any]:
    return fill_row(record.event)  # type: ignore[arg-type]  # the query asked for fills


def fill_row(fill: Fill) -> dict[str, Any]:
    """One fill in the fills format; ``time`` in nanoseconds (writers format it)."""
    return {
        "time": fill.ts_event_ns,
        "instrument": fill.instrument,
        "side": str(fill.side),
        "quantity": fill.quantity,
        "price": fill.price,
        "commission": fill.commission,
        "order_id": fill.order_id,
        "fill_id": fill.id,
        "strategy": fill.strategy_name,
        "signal_id": fill.signal_id,
    }


def iso_time(ts_ns: int) -> str:
    """``ts_ns`` (UTC nanoseconds) as ISO 8601 text, keeping every nanosecond given."""
    seconds, fraction = divmod(ts_ns, 1_000_000_000)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += f".{fraction:09d}".rstrip("0")
    return text + "+00:00"


@dataclass(frozen=True)
class Exported:
    """What an export wrote; ``str()`` says it for people ("248 order events of 62 orders")."""

    rows: int
    what: str
    orders: int | None = None
    """Distinct orders among the rows, for an orders export (it writes their events)."""

    def __str__(self) -> str:
        if self.what == "orders":
            return f"{self.rows:,} order events of {self.orders or 0:,} orders"
        noun = self.what[:-1] if self.rows == 1 else self.what
        return f"{self.rows:,} {noun}"


_KINDS: dict[
    str,
    tuple[tuple[type[EventBase], ...] | None, list[str], Callable[[EventRecord], dict[str, Any]]],
] = {
    "events": (None, _EVENT_COLUMNS, _event_row),
    "fills": ((Fill,), list(FILL_COLUMNS), _fill_row),
    "orders": (_ORDER_TYPES, _ORDER_COLUMNS, _struct_row),
}


def export_run(
    store: EventStore,
    run_id: str,
    *,
    path: str | os.PathLike[str],
    what: str = "events",
    fmt: str | None = None,
) -> Exported:
    """Write the run's ``what`` ("events", "fills" or "orders") to ``path``.

    ``fmt`` is "csv" or "parquet"; by default it follows the file suffix. Events export
    with their type, timestamps and JSON payload; fills in the fills format; orders with
    one row per lifecycle event and one column per field (an ``OrderSubmitted`` row also
    shows the terms of the request it carries). Parquet needs pyarrow.
    """
    if what not in _KINDS:
        raise ValueError(f"export_run what: expected one of {EXPORT_KINDS}, got {what!r}")
    target = Path(path)
    fmt = _format(target, fmt)
    types, columns, to_row = _KINDS[what]
    rows = map(to_row, store.iter_records(run_id, types))
    if what != "orders":
        return Exported(_write(target, fmt, columns, rows), what)
    orders: set[str] = set()
    written = _write(target, fmt, columns, _noting_orders(rows, orders))
    return Exported(written, what, len(orders))


def _noting_orders(rows: Iterator[dict[str, Any]], orders: set[str]) -> Iterator[dict[str, Any]]:
    for row in rows:
        orders.add(row["order_id"])
        yield row


def write_fills(fills: Iterable[Fill], path: str | os.PathLike[str], fmt: str | None = None) -> int:
    """Write ``fills`` to ``path`` in the fills format (CSV or Parquet, by default by the
    suffix, CSV for any other); returns how many."""
    target = Path(path)
    suffix = target.suffix.lstrip(".").lower()
    fmt = fmt or (suffix if suffix in EXPORT_FORMATS else "csv")
    return _write(target, _format(target, fmt), list(FILL_COLUMNS), map(fill_row, fills))


def _format(target: Path, fmt: str | None) -> str:
    fmt = fmt or target.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(
            f"export fmt: expected one of {EXPORT_FORMATS} (or a .csv/.parquet path), "
            f"got {fmt!r} for {target}"
        )
    return fmt


def _write(path: Path, fmt: str, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    if fmt == "csv":
        return _write_csv(path, columns, rows)
    return _write_parquet(path, columns, rows)


def _write_csv(path: Path, columns: list[str], rows: Iterator[dict[str, Any]]) -> int:
    times = [name for name in columns if name in _TIME_COLUMNS]
    count = 0
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            for name in times:
                row[name] = iso_time(row[name])
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
    arrays = {
        name: pa.array(values, pa.timestamp("ns", "UTC")) if name in _TIME_COLUMNS else values
        for name, values in data.items()
    }
    pq.write_table(pa.table(arrays), path)
    return count
