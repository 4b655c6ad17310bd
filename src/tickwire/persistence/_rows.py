"""Packing events into stored rows and back: the SQL stores' row format.

A row holds a contiguous range of events in publish order, of any types (at most
:data:`MAX_EVENTS_PER_ROW`), as a msgpack array whose items are
:func:`tickwire.events.encode` outputs; a payload over :data:`COMPRESS_ABOVE` bytes is
zstd-compressed at level 1 (about 4x smaller, and five times faster than zlib's fastest
level; rows that earlier builds stored zlib-compressed still read). Beside the payload a
row stores the distinct type names it holds (``event_types``, comma-separated, in order of
first appearance) and, when there are several, one byte per event giving the position of
its type in that list (``type_codes``), so a type filter skips rows without a wanted type
and decodes only the wanted events of the others.

Why mixed rows: in a backtest, orders, fills and position changes interleave with the bars
every few dozen bars, so rows of one type each would be tiny and numerous. Every row is
compressed and inserted by calls that release the GIL, and a writer thread waits up to the
interpreter's switch interval to get it back from a busy publishing thread after each one;
few large rows keep that wait rare.

Sizes are bounded on both sides: no event stored encodes to more than
:data:`MAX_EVENT_BYTES`, no row to more than :data:`MAX_ROW_BYTES`, so a reader
decompresses a row of ``n`` events into at most :func:`row_size_bound` bytes and refuses
one that would give more (a damaged or crafted database cannot make it allocate more).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import msgspec
import zstandard

from tickwire.events import DecodeError, EventBase, decode_recorded, encode
from tickwire.persistence._types import EventRecord, StoreError

__all__ = [
    "COMPRESS_ABOVE",
    "MAX_EVENTS_PER_ROW",
    "MAX_EVENT_BYTES",
    "MAX_ROW_BYTES",
    "MAX_TYPES_PER_ROW",
    "MSGPACK",
    "MSGPACK_ZLIB",
    "MSGPACK_ZSTD",
    "Row",
    "build_row",
    "compressed",
    "encode_array",
    "payload_size",
    "row_size_bound",
    "storage_problem",
    "stored",
    "type_names",
    "unpack_row",
]

MAX_EVENTS_PER_ROW = 16_384
"""Caps a row (about 2 MB of bars before compression) so that reads stay incremental."""

MAX_EVENT_BYTES = 1 << 20
"""The largest encoded event a store holds; a larger one is rejected."""
MAX_ROW_BYTES = 64 * MAX_EVENT_BYTES
"""The largest uncompressed row payload written (one full group of the largest events)."""

COMPRESS_ABOVE = 2048
"""Payloads larger than this many bytes are stored compressed (when compression is on)."""
MSGPACK = "msgpack"
"""``encoding`` column value: the payload is the msgpack array itself."""
MSGPACK_ZSTD = "msgpack+zstd"
"""``encoding`` column value: the payload is the msgpack array, zstd-compressed."""
MSGPACK_ZLIB = "msgpack+zlib"
"""``encoding`` column value: the payload is the msgpack array, zlib-compressed (what
earlier builds wrote; still read, no longer written)."""
_ZSTD_LEVEL = 1

MAX_TYPES_PER_ROW = 256
"""A type code is one byte: a row holds at most this many classes."""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
"""The range of the rows' timestamp columns (BIGINT in both databases)."""

_items = msgspec.msgpack.Decoder(list[msgspec.Raw])

# A list encodes as an array header followed by each item's own encoding, so one call on
# a chunk gives the same bytes as the codec's ``encode`` per event, at a third of the cost.
# This encoder has none of the codec's extensions: where it fails, the codec takes over.
_plain_list = msgspec.msgpack.Encoder().encode


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


def encode_array(chunk: Sequence[EventBase]) -> bytes:
    """``chunk`` as a msgpack array of the codec's encodings of its events."""
    try:
        return _plain_list(chunk)
    except TypeError:  # a type only the codec knows how to encode (e.g. EventType members)
        return b"".join((_array_header(len(chunk)), *map(encode, chunk)))


def storage_problem(item: object) -> str | None:
    """Why a store cannot hold ``item``, or None if it can: only events are stored, each
    with an int64 ``ts_event_ns`` (the rows' timestamp columns) and an encoding of at most
    :data:`MAX_EVENT_BYTES`."""
    if not isinstance(item, EventBase):
        return f"not an event: {type(item).__qualname__} {_preview(item)}"
    name = type(item).__qualname__
    ts = item.ts_event_ns
    if not isinstance(ts, int) or isinstance(ts, bool) or not INT64_MIN <= ts <= INT64_MAX:
        return f"{name}.ts_event_ns: expected an int64 nanosecond time, got {_preview(ts)}"
    try:
        size = len(encode(item))
    except Exception as exc:  # whatever a field holds, the codec's complaint says which
        return f"{name} cannot be encoded: {exc}"
    if size > MAX_EVENT_BYTES:
        return f"{name} encodes to {size:,} bytes, more than the {MAX_EVENT_BYTES:,} stored"
    return None


def _preview(value: object, limit: int = 80) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not hide why the item was rejected
        text = f"<unprintable: {exc!r}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def payload_size(arrays: list[bytes], count: int) -> int:
    """The size of the payload :func:`build_row` makes of ``count`` events in ``arrays``."""
    return len(_array_header(count)) + sum(len(a) - _header_size(a) for a in arrays)


def build_row(
    seq: int,
    count: int,
    names: Sequence[str],
    codes: bytes | None,
    arrays: list[bytes],
    first_ts: int,
    last_ts: int,
    buffer: bytearray | None = None,
) -> Row:
    """An uncompressed row for the ``count`` events ``seq...``, whose encodings are the
    items of ``arrays`` (made by :func:`encode_array`), in order; ``names`` are their
    distinct class names and ``codes`` give each event's position in them (None when
    there is one).

    With ``buffer`` (at least :func:`payload_size` long) the payload is written into it
    and the row holds a view of it: reusing buffers spares the publishing thread the
    page faults of a fresh multi-megabyte allocation per row.
    """
    payload: bytes | memoryview
    if buffer is not None:
        view = memoryview(buffer)
        header = _array_header(count)
        end = len(header)
        view[:end] = header
        for array in arrays:
            skip = _header_size(array)
            start, end = end, end + len(array) - skip
            view[start:end] = memoryview(array)[skip:]
        payload = view[:end]
    elif len(arrays) == 1:
        payload = arrays[0]
    else:  # one array of all their items: the headers go, the items are copied once
        items = [memoryview(array)[_header_size(array) :] for array in arrays]
        payload = b"".join([_array_header(count), *items])
    return Row(seq, seq + count - 1, ",".join(names), codes, first_ts, last_ts, MSGPACK, payload)


def compressed(row: Row) -> Row:
    """``row`` with its payload compressed, if it is an uncompressed one worth it."""
    if row.encoding != MSGPACK or len(row.payload) <= COMPRESS_ABOVE:
        return row
    # A compressor per row: they are not thread-safe, and one costs microseconds.
    payload = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).compress(row.payload)
    return row._replace(encoding=MSGPACK_ZSTD, payload=payload)


def stored(row: Row, compress: bool) -> Row:
    """``row`` as a store writes it: compressed if asked and worth it, its payload bytes."""
    if compress:
        row = compressed(row)
    if isinstance(row.payload, memoryview):
        row = row._replace(payload=row.payload.tobytes())
    return row


def _decode_row(
    seq: int,
    last_seq: int,
    types: list[str],
    codes: bytes | None,
    payload: bytes | memoryview,
    names: frozenset[str] | None,
) -> list[EventRecord]:
    items = _items.decode(payload)
    n_events = last_seq - seq + 1
    if len(items) != n_events:
        raise DecodeError(f"holds {len(items)} events, its seq range says {n_events}")
    if codes is not None:
        if len(codes) != n_events:
            raise DecodeError(f"{len(codes)} type codes for {n_events} events")
        if max(codes) >= len(types):
            raise DecodeError(f"type code {max(codes)}, but only {len(types)} types listed")
    if names is None:
        return [
            EventRecord(seq + i, decode_recorded(memoryview(item))) for i, item in enumerate(items)
        ]
    wanted = {i for i, name in enumerate(types) if name in names}
    if codes is None:
        selected: Iterable[int] = range(n_events if wanted else 0)
    else:
        selected = [i for i, code in enumerate(codes) if code in wanted]
    return [EventRecord(seq + i, decode_recorded(memoryview(items[i]))) for i in selected]


def row_size_bound(n_events: int) -> int:
    """The most bytes a stored row of ``n_events`` events decompresses to."""
    return min(n_events * MAX_EVENT_BYTES, MAX_ROW_BYTES) + len(_array_header(n_events))


def _decompressed(encoding: str, payload: bytes | memoryview, n_events: int) -> bytes | memoryview:
    if encoding == MSGPACK:
        return payload
    bound = row_size_bound(n_events)
    if encoding == MSGPACK_ZSTD:
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
        return _decode_row(seq, last_seq, event_types.split(","), codes, payload, names)
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
