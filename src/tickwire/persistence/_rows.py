"""Packing events into stored rows and back.

A row holds a run of consecutive events of one type (at most :data:`MAX_EVENTS_PER_ROW`),
as a msgpack array whose items are :func:`tickwire.events.encode` outputs; a payload over
:data:`COMPRESS_ABOVE` bytes is zlib-compressed (level 1: a bar shrinks from about 150 to
20 bytes, and zlib runs without the GIL, beside the publishing thread). Market data
arrives in long same-type runs, so a million bars become a few hundred rows, while a
signal, an order or a fill between two bars gets a row of its own, with its type and
timestamps in columns. Inserting a row per event would cost several microseconds each,
more than the whole backtest spends on an event.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import NamedTuple

import msgspec

from tickwire.events import DecodeError, EventBase, decode, encode

__all__ = [
    "COMPRESS_ABOVE",
    "MAX_EVENTS_PER_ROW",
    "MSGPACK",
    "MSGPACK_ZLIB",
    "Row",
    "pack_rows",
    "type_names",
    "unpack_row",
]

MAX_EVENTS_PER_ROW = 4096
"""Caps a row's payload (about 600 KB of bars) so that reads stay incremental."""

COMPRESS_ABOVE = 2048
"""Payloads larger than this many bytes are stored compressed (when compression is on)."""
MSGPACK = "msgpack"
"""``encoding`` column value: the payload is the msgpack array itself."""
MSGPACK_ZLIB = "msgpack+zlib"
"""``encoding`` column value: the payload is the msgpack array, zlib-compressed."""

_items = msgspec.msgpack.Decoder(list[msgspec.Raw])

# A list encodes as an array header followed by each item's own encoding, so one call on
# a chunk gives the same bytes as the codec's ``encode`` per event, at a third of the cost.
# This encoder has none of the codec's extensions: where it fails, the codec takes over.
_plain_list = msgspec.msgpack.Encoder().encode


class Row(NamedTuple):
    """One stored row, in column order."""

    seq: int
    n_events: int
    event_type: str
    ts_event_ns: int
    ts_created_ns: int
    last_ts_event_ns: int
    encoding: str
    payload: bytes


def _array_header(n: int) -> bytes:
    # msgpack array headers: fixarray below 16 items, then array 16 (n < MAX_EVENTS_PER_ROW).
    return bytes((0x90 | n,)) if n < 16 else b"\xdc" + n.to_bytes(2, "big")


def _encode_chunk(chunk: list[EventBase]) -> bytes:
    try:
        return _plain_list(chunk)
    except TypeError:  # a type only the codec knows how to encode (e.g. EventType members)
        return b"".join((_array_header(len(chunk)), *map(encode, chunk)))


def pack_rows(first_seq: int, events: Sequence[EventBase], *, compress: bool = True) -> list[Row]:
    """Rows for ``events``, whose first has sequence number ``first_seq``."""
    rows: list[Row] = []
    seq = first_seq
    for cls, group in groupby(events, type):
        same = list(group)
        name = cls.__name__
        for start in range(0, len(same), MAX_EVENTS_PER_ROW):
            chunk = same[start : start + MAX_EVENTS_PER_ROW]
            n = len(chunk)
            first = chunk[0]
            payload = _encode_chunk(chunk)
            encoding = MSGPACK
            if compress and len(payload) > COMPRESS_ABOVE:
                payload = zlib.compress(payload, 1)
                encoding = MSGPACK_ZLIB
            rows.append(
                Row(
                    seq,
                    n,
                    name,
                    first.ts_event_ns,
                    first.ts_created_ns,
                    chunk[-1].ts_event_ns,
                    encoding,
                    payload,
                )
            )
            seq += n
    return rows


def unpack_row(
    run_id: str, seq: int, n_events: int, encoding: str, payload: bytes
) -> list[EventBase]:
    """The events of one stored row; a damaged row raises DecodeError naming run and seq."""
    try:
        if encoding == MSGPACK_ZLIB:
            payload = zlib.decompress(payload)
        elif encoding != MSGPACK:
            raise DecodeError(f"unknown payload encoding {encoding!r}")
        events = [decode(memoryview(item)) for item in _items.decode(payload)]
    except (msgspec.DecodeError, DecodeError, zlib.error) as exc:
        raise DecodeError(f"run {run_id}, row at seq {seq}: {exc}") from None
    if len(events) != n_events:
        raise DecodeError(
            f"run {run_id}, row at seq {seq}: holds {len(events)} events, "
            f"its n_events column says {n_events}"
        )
    return events


def type_names(types: Iterable[type[EventBase] | str]) -> list[str]:
    """Stored type names for a filter given as event classes and/or names."""
    names: list[str] = []
    for t in types:
        if isinstance(t, str):
            names.append(t)
        elif isinstance(t, type) and issubclass(t, EventBase):
            names.append(t.__name__)
        else:
            raise TypeError(f"event type filter: expected an event class or name, got {t!r}")
    return names
