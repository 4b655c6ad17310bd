"""Packing events into stored rows and back: the SQL stores' row format.

A row holds a contiguous range of events in publish order, of any types (at most
:data:`MAX_EVENTS_PER_ROW`). Beside the payload it stores the distinct type names it holds
(``event_types``, comma-separated, in order of first appearance) and, when there are
several, one byte per event giving the position of its type in that list
(``type_codes``), so a type filter skips rows without a wanted type and decodes only the
wanted events of the others.

The payload (format of schema version 5, ``encoding`` "tuples" or "tuples+zstd") is one
msgpack array: each event as the array of its field values (``msgspec.structs.astuple``;
a nested event, such as ``OrderSubmitted.order``, stays the codec's map), then the row's
*layouts*, one per listed type, each ``[tag field, tag, field names...]`` (last, so that
the recorder writes each event's bytes once, where they stay). Field names and tags are
written once per row instead of once per event, which halves a bar's bytes (73 instead of
156) and so the work of compressing and inserting them, and encoding a tuple costs the
publishing thread less than a map. A reader
turns each tuple back into the codec's map and decodes that (``decode_recorded``), so what
it checks and what it returns are the same as for the earlier format. Rows of schema 4
and earlier (``encoding`` "msgpack", "msgpack+zstd", "msgpack+zlib": an array of
:func:`tickwire.events.encode` outputs) still read.

Schema 8 adds ``encoding`` "columns" (and "columns+zstd"): a row whose bars came from a
chunked source holds those bars as columns (``_columns.BarColumns``) after the layouts,
and field tuples only for its other events; the type list names ``Bar`` at the position
the block gives, and the type codes say where each of those bars is among the events.

A payload over :data:`COMPRESS_ABOVE` bytes is zstd-compressed at level
:data:`ZSTD_LEVEL` (a fast level: once the names are gone what is left is mostly float
bits, which compress little whatever the level).

Why mixed rows: in a backtest, orders, fills and position changes interleave with the bars
every few dozen bars, so rows of one type each would be tiny and numerous. Every row is
compressed and inserted by calls that release the GIL, and a writer thread waits up to the
interpreter's switch interval to get it back from a busy publishing thread after each one;
few large rows keep that wait rare.

Sizes are bounded on both sides: no event stored encodes to more than
:data:`MAX_EVENT_BYTES`, no row to more than :data:`MAX_ROW_BYTES` (plus its layouts, at
most :data:`MAX_LAYOUT_BYTES` each), so a reader decompresses a row of ``n`` events into
at most :func:`row_size_bound` bytes and refuses one that would give more (a damaged or
crafted database cannot make it allocate more).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import msgspec
import zstandard

from tickwire.events import DecodeError, EventBase, decode_recorded, encode
from tickwire.persistence._columns import decode_bar_columns
from tickwire.persistence._types import EventRecord, StoreError

__all__ = [
    "COLUMNS",
    "COLUMNS_ZSTD",
    "COMPRESS_ABOVE",
    "MAX_EVENTS_PER_ROW",
    "MAX_EVENT_BYTES",
    "MAX_LAYOUT_BYTES",
    "MAX_ROW_BYTES",
    "MAX_TYPES_PER_ROW",
    "MSGPACK",
    "MSGPACK_ZLIB",
    "MSGPACK_ZSTD",
    "PAYLOAD_START",
    "TUPLES",
    "TUPLES_ZSTD",
    "ZSTD_LEVEL",
    "Row",
    "compressed",
    "encode_tuples",
    "encode_tuples_into",
    "finish_payload",
    "layout",
    "layouts_size",
    "row_size_bound",
    "storage_problem",
    "stored",
    "type_names",
    "unpack_row",
]

MAX_EVENTS_PER_ROW = 16_384
"""Caps a row (about 1.2 MB of bars before compression) so that reads stay incremental."""

MAX_EVENT_BYTES = 1 << 20
"""The largest encoded event (its field tuple) a store holds; a larger one is rejected."""
MAX_ROW_BYTES = 64 * MAX_EVENT_BYTES
"""The largest uncompressed row payload written (one full group of the largest events),
not counting its layouts."""
MAX_LAYOUT_BYTES = 1 << 16
"""The largest encoded layout of one type (its tag and field names); a class with a
larger one is rejected."""

COMPRESS_ABOVE = 2048
"""Payloads larger than this many bytes are stored compressed (when compression is on)."""
TUPLES = "tuples"
"""``encoding`` column value (schema 5): layouts, then one field tuple per event."""
TUPLES_ZSTD = "tuples+zstd"
"""``encoding`` column value (schema 5): the same, zstd-compressed."""
COLUMNS = "columns"
"""``encoding`` column value (schema 8): field tuples, layouts, then the bars as columns."""
COLUMNS_ZSTD = "columns+zstd"
"""``encoding`` column value (schema 8): the same, zstd-compressed."""
MSGPACK = "msgpack"
"""``encoding`` column value of schema 4 and earlier: an array of codec encodings."""
MSGPACK_ZSTD = "msgpack+zstd"
"""``encoding`` column value of schema 4: the same, zstd-compressed (still read)."""
MSGPACK_ZLIB = "msgpack+zlib"
"""``encoding`` column value of earlier builds: zlib-compressed (still read)."""
ZSTD_LEVEL = -5
"""Measured on a backtest's rows (80 bytes an event): level 1 takes four times as long
(375 against 88 ns an event) for payloads 16% smaller (38 against 45 bytes), and the
writer thread's time is what recording costs on a busy machine."""

MAX_TYPES_PER_ROW = 256
"""A type code is one byte: a row holds at most this many classes."""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
"""The range of the rows' timestamp columns (BIGINT in both databases)."""

_items = msgspec.msgpack.Decoder(list[msgspec.Raw])
_layouts = msgspec.msgpack.Decoder(list[list[str]])
_values = msgspec.msgpack.Decoder(list[Any])
_plain_map = msgspec.msgpack.Encoder().encode


def _plain_str(obj: Any) -> Any:
    if isinstance(obj, str):  # EventType members and other str subclasses, as the codec
        return str.__str__(obj)
    raise NotImplementedError(f"cannot encode objects of type {type(obj).__qualname__}")


_tuple_encoder = msgspec.msgpack.Encoder(enc_hook=_plain_str)


class Row(NamedTuple):
    """One stored row, in column order."""

    seq: int
    """Sequence number of the row's first event."""
    last_seq: int
    """Sequence number of the row's last event."""
    event_types: str
    """The distinct type names in the row, comma-separated, in order of first appearance."""
    type_codes: bytes | None
    """Per event, the position of its type in ``event_types``; None when there is one type."""
    ts_event_ns: int
    """``ts_event_ns`` of the first event."""
    last_ts_event_ns: int
    """``ts_event_ns`` of the last event."""
    encoding: str
    payload: bytes | memoryview
    """Bytes as stored; a view of a reused buffer while a recorder's batch waits."""


def _array_header(n: int) -> bytes:
    # msgpack array headers: fixarray below 16 items, then array 16, then array 32.
    if n < 16:
        return bytes((0x90 | n,))
    if n < 0x10000:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def _header_size(array: bytes) -> int:
    first = array[0]
    return 1 if first < 0xDC else (3 if first == 0xDC else 5)


def encode_tuples(tuples: Sequence[tuple[Any, ...]]) -> bytes:
    """Events' field tuples (``msgspec.structs.astuple``) as one msgpack array."""
    return _tuple_encoder.encode(tuples)


def layout(cls: type[EventBase]) -> bytes:
    """The encoded layout of ``cls`` in a row: ``[tag field, tag, field names...]``."""
    config = cls.__struct_config__
    return _tuple_encoder.encode([config.tag_field, config.tag, *cls.__struct_fields__])


def storage_problem(item: object) -> str | None:
    """Why a store cannot hold ``item``, or None if it can: only events are stored, each
    with an int64 ``ts_event_ns`` (the rows' timestamp columns), a field tuple that
    encodes to at most :data:`MAX_EVENT_BYTES` and a layout of at most
    :data:`MAX_LAYOUT_BYTES`."""
    if not isinstance(item, EventBase):
        return f"not an event: {type(item).__qualname__} {_preview(item)}"
    name = type(item).__qualname__
    ts = item.ts_event_ns
    if not isinstance(ts, int) or isinstance(ts, bool) or not INT64_MIN <= ts <= INT64_MAX:
        return f"{name}.ts_event_ns: expected an int64 nanosecond time, got {_preview(ts)}"
    try:
        encode(item)  # the codec's complaint names the field
        size = len(encode_tuples([msgspec.structs.astuple(item)]))
    except Exception as exc:  # whatever a field holds, the codec's complaint says which
        return f"{name} cannot be encoded: {exc}"
    if size > MAX_EVENT_BYTES:
        return f"{name} encodes to {size:,} bytes, more than the {MAX_EVENT_BYTES:,} stored"
    if len(layout(type(item))) > MAX_LAYOUT_BYTES:
        return f"{name} has more field names than a row's layout holds"
    return None


def _preview(value: object, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not hide why the item was rejected
        text = f"<unprintable: {exc!r}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


PAYLOAD_START = 5
"""Where a payload's first event goes: its array header is written last, always as a
32-bit one (valid msgpack), once the row's event count is known."""


def layouts_size(layouts: Sequence[bytes]) -> int:
    """The bytes ``layouts`` take at the end of a payload (with their array header)."""
    return len(_array_header(len(layouts))) + sum(map(len, layouts))


encode_tuples_into = _tuple_encoder.encode_into
"""``encode_tuples_into(tuples, buffer)``: events' field tuples as one msgpack array in
``buffer``, which then holds exactly that (resized to fit)."""


def finish_payload(buffer: bytearray, end: int, count: int, layouts: Sequence[bytes]) -> memoryview:
    """The payload of the ``count`` events whose field tuples are in ``buffer`` from
    :data:`PAYLOAD_START` to ``end``: ``layouts`` (one per listed type, in order) are
    written after them, the array header before them; ``buffer`` must have the room
    (:func:`layouts_size`)."""
    tail = b"".join([_array_header(len(layouts)), *layouts])
    view = memoryview(buffer)
    view[end : end + len(tail)] = tail
    view[:PAYLOAD_START] = b"\xdd" + (count + 1).to_bytes(4, "big")
    return view[: end + len(tail)]


def finish_columns_payload(
    buffer: bytearray, end: int, count: int, layouts: Sequence[bytes], columns: bytes
) -> bytes:
    """As :func:`finish_payload` for a row of encoding :data:`COLUMNS`: ``count`` field
    tuples in ``buffer``, the layouts, then ``columns`` (the encoded ``BarColumns``); a
    copy, so ``buffer`` can be reused at once."""
    header = b"\xdd" + (count + 2).to_bytes(4, "big")
    layout_bytes = b"".join([_array_header(len(layouts)), *layouts])
    with memoryview(buffer) as view:
        return b"".join([header, view[PAYLOAD_START:end], layout_bytes, columns])


def compressed(row: Row) -> Row:
    """``row`` with its payload compressed, if it is an uncompressed one worth it."""
    if len(row.payload) <= COMPRESS_ABOVE:
        return row
    if row.encoding == TUPLES:
        encoding = TUPLES_ZSTD
    elif row.encoding == COLUMNS:
        encoding = COLUMNS_ZSTD
    elif row.encoding == MSGPACK:
        encoding = MSGPACK_ZSTD
    else:
        return row
    # A compressor per row: they are not thread-safe, and one costs microseconds.
    payload = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(row.payload)
    return row._replace(encoding=encoding, payload=payload)


def stored(row: Row, compress: bool) -> Row:
    """``row`` as a store writes it: compressed if asked and worth it, its payload bytes."""
    if compress:
        row = compressed(row)
    if isinstance(row.payload, memoryview):
        row = row._replace(payload=row.payload.tobytes())
    return row


def _selected(
    types: list[str], codes: bytes | None, n_events: int, names: frozenset[str] | None
) -> Iterable[int]:
    """The positions in the row of the events whose type is in ``names`` (all if None)."""
    if codes is not None:
        if len(codes) != n_events:
            raise DecodeError(f"{len(codes)} type codes for {n_events} events")
        if max(codes) >= len(types):
            raise DecodeError(f"type code {max(codes)}, but only {len(types)} types listed")
    if names is None:
        return range(n_events)
    wanted = {i for i, name in enumerate(types) if name in names}
    if codes is None:
        return range(n_events if wanted else 0)
    return [i for i, code in enumerate(codes) if code in wanted]


def _decode_maps(
    seq: int,
    types: list[str],
    codes: bytes | None,
    payload: bytes | memoryview,
    n_events: int,
    names: frozenset[str] | None,
) -> list[EventRecord]:
    """A row of schema 4: the payload's items are the codec's bytes."""
    items = _items.decode(payload)
    if len(items) != n_events:
        raise DecodeError(f"holds {len(items)} events, its seq range says {n_events}")
    return [
        EventRecord(seq + i, decode_recorded(memoryview(items[i])))
        for i in _selected(types, codes, n_events, names)
    ]


def _decode_tuples(
    seq: int,
    types: list[str],
    codes: bytes | None,
    payload: bytes | memoryview,
    n_events: int,
    names: frozenset[str] | None,
) -> list[EventRecord]:
    """A row of schema 5: field tuples, then layouts; each tuple becomes the codec's map."""
    items = _items.decode(payload)
    if len(items) != n_events + 1:
        raise DecodeError(f"holds {len(items) - 1} events, its seq range says {n_events}")
    layouts = _layouts.decode(items[-1])
    if len(layouts) != len(types) or any(len(entry) < 2 for entry in layouts):
        raise DecodeError(f"{len(layouts)} layouts for the {len(types)} types listed")
    records: list[EventRecord] = []
    for i in _selected(types, codes, n_events, names):
        tag_field, tag, *fields = layouts[0 if codes is None else codes[i]]
        values = _values.decode(items[i])
        if len(values) != len(fields):
            raise DecodeError(f"event {seq + i}: {len(values)} values for {len(fields)} fields")
        mapping = dict(zip(fields, values, strict=True))
        mapping[tag_field] = tag
        records.append(EventRecord(seq + i, decode_recorded(_plain_map(mapping))))
    return records


def _decode_columns(
    seq: int,
    types: list[str],
    codes: bytes | None,
    payload: bytes | memoryview,
    n_events: int,
    names: frozenset[str] | None,
) -> list[EventRecord]:
    """A row of schema 8: field tuples, layouts, then bars as columns; every event,
    tuple or column, becomes the codec's map, as in :func:`_decode_tuples`."""
    items = _items.decode(payload)
    if len(items) < 2:
        raise DecodeError("a columns row without its layouts and bars")
    layouts = _layouts.decode(items[-2])
    if len(layouts) != len(types) or any(len(entry) < 2 for entry in layouts):
        raise DecodeError(f"{len(layouts)} layouts for the {len(types)} types listed")
    n_tuples = len(items) - 2
    n_bars = n_events - n_tuples
    if n_bars < 0:
        raise DecodeError(f"holds {n_tuples} tuples, its seq range says {n_events} events")
    _selected(types, codes, n_events, None)  # checks the codes
    column_at, bars = decode_bar_columns(items[-1], n_bars)
    if not 0 <= column_at < len(types):
        raise DecodeError(f"bar columns at type {column_at}, but {len(types)} types listed")
    event_codes = bytes(n_events) if codes is None else codes
    if event_codes.count(column_at) != n_bars:
        raise DecodeError(f"{event_codes.count(column_at)} column bars listed for {n_bars}")
    wanted = set(_selected(types, codes, n_events, names))
    records: list[EventRecord] = []
    tuple_index = bar_index = 0
    for i, code in enumerate(event_codes):
        if code == column_at:
            mapping = bars[bar_index]
            bar_index += 1
        else:
            item = items[tuple_index]
            tuple_index += 1
            if i not in wanted:
                continue
            values = _values.decode(item)
            fields = layouts[code][2:]
            if len(values) != len(fields):
                raise DecodeError(f"event {seq + i}: {len(values)} values for {len(fields)} fields")
            mapping = dict(zip(fields, values, strict=True))
        if i not in wanted:
            continue
        tag_field, tag, *fields = layouts[code]
        if code == column_at and set(fields) != mapping.keys():
            raise DecodeError(f"bar columns under a layout of fields {fields}")
        mapping[tag_field] = tag
        records.append(EventRecord(seq + i, decode_recorded(_plain_map(mapping))))
    return records


def row_size_bound(n_events: int) -> int:
    """The most bytes a stored row of ``n_events`` events decompresses to."""
    items = min(n_events * MAX_EVENT_BYTES, MAX_ROW_BYTES)
    layouts = min(n_events, MAX_TYPES_PER_ROW) * MAX_LAYOUT_BYTES
    return items + layouts + len(_array_header(n_events + 1)) + len(_array_header(n_events))


def _decompressed(encoding: str, payload: bytes | memoryview, n_events: int) -> bytes | memoryview:
    if encoding in (MSGPACK, TUPLES, COLUMNS):
        return payload
    bound = row_size_bound(n_events)
    if encoding in (MSGPACK_ZSTD, TUPLES_ZSTD, COLUMNS_ZSTD):
        # Read, never ``decompress``: that allocates whatever size the frame header claims.
        with zstandard.ZstdDecompressor().stream_reader(payload) as reader:
            data = reader.read(bound + 1)
            while len(data) <= bound and (more := reader.read(bound + 1 - len(data))):
                data += more
    elif encoding == MSGPACK_ZLIB:
        inflater = zlib.decompressobj()
        data = inflater.decompress(payload, bound + 1)
        if len(data) <= bound and not inflater.eof:
            raise DecodeError("truncated zlib payload")
    else:
        raise DecodeError(f"unknown payload encoding {encoding!r}")
    if len(data) > bound:
        raise DecodeError(
            f"payload decompresses to more than {bound:,} bytes, the most {n_events} events take"
        )
    return data


def unpack_row(
    run_id: str,
    row: tuple[int, int, str, bytes | memoryview | None, str, bytes | memoryview],
    names: frozenset[str] | None = None,
) -> list[EventRecord]:
    """The events of a stored row ``(seq, last_seq, event_types, type_codes, encoding,
    payload)`` with their sequence numbers; only those whose type name is in ``names``
    unless it is None. A damaged row raises DecodeError naming run and seq."""
    seq, last_seq, event_types, codes, encoding, payload = row
    try:
        n_events = last_seq - seq + 1
        if not 0 < n_events <= MAX_EVENTS_PER_ROW:
            raise DecodeError(f"its seq range holds {n_events} events")
        payload = _decompressed(encoding, payload, n_events)
        codes = None if codes is None else bytes(codes)  # PostgreSQL returns memoryview
        if encoding.startswith(COLUMNS):
            decode = _decode_columns
        elif encoding.startswith(TUPLES):
            decode = _decode_tuples
        else:
            decode = _decode_maps
        return decode(seq, event_types.split(","), codes, payload, n_events, names)
    except (msgspec.DecodeError, DecodeError, zlib.error, zstandard.ZstdError) as exc:
        raise DecodeError(f"run {run_id}, row at seq {seq}: {exc}") from None


def type_names(types: Iterable[type[EventBase] | str]) -> list[str]:
    """Stored type names for a filter given as event classes and/or names."""
    names: list[str] = []
    for t in types:
        if isinstance(t, str):
            names.append(t)
        elif isinstance(t, type) and issubclass(t, EventBase):
            names.append(t.__name__)
        else:
            raise StoreError(f"event type filter: expected an event class or name, got {t!r}")
    return names
