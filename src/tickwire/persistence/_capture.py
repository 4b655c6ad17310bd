# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The recorder's bus handler: encodes events in small groups as they are published.

Every :data:`GROUP` events are encoded with one call, in the publishing thread, while
they are still in its cache, and only their bytes are kept; every ``batch_size`` events
the bytes become rows, written into reused buffers, for a writer thread to compress and
insert (two calls that release the GIL) and hand back. Measured on a backtest, this
costs the publisher less than keeping the events for the writer thread to encode:
holding thousands of live events defeats the memory reuse that keeps an unrecorded run
fast, and the writer meets them cold and holds the GIL while it encodes, stalling the
publisher. This module is compiled (see setup.py).

Each event's class is kept as a one-byte code into a table of the classes seen so far,
so that a row's type list and type codes come from a few calls over bytes (``find`` and
``translate``) instead of a dictionary lookup per event.

Whatever is published, recording goes on: a group is checked as a whole (every class
already in the table, every timestamp an int64, one encode call, a small enough result)
and only a group that fails is screened event by event, so that what cannot be stored is
rejected on its own and the rest of the group is kept. A class enters the table once an
event of it passed the screen.
"""

from __future__ import annotations

import threading
from array import array as _typed_array
from collections.abc import Callable
from typing import Any, Final

from tickwire.persistence._rows import (
    MAX_EVENT_BYTES,
    MAX_EVENTS_PER_ROW,
    MAX_ROW_BYTES,
    MAX_TYPES_PER_ROW,
    Row,
    build_row,
    encode_array,
    payload_size,
    storage_problem,
)

__all__ = ["GROUP", "EventCapture"]

GROUP: Final = 64
"""Events encoded per call: enough to spread the call's cost, few enough to stay cached."""

SPARE_BUFFERS: Final = 8
"""Payload buffers kept for reuse once their rows are stored (a batch makes four)."""
_BUFFER_QUANTUM: Final = 1 << 20

_INT64: Final = "q"
"""The array type code of a C int64."""
_CODE_BYTES: Final = tuple(bytes((code,)) for code in range(MAX_TYPES_PER_ROW))

Encoded = tuple[bytes, bytes, int, int]
"""A group's msgpack array, its events' class codes, and its first and last ``ts_event_ns``."""
Sealed = Callable[[list[Row], int], None]
"""Receives each batch: its rows (uncompressed) and how many events they hold."""
Rejected = Callable[[object, str, int], None]
"""Receives what cannot be stored: the object, why, and the seq the next event gets."""


class EventCapture:
    """Encodes what it is given in groups; every ``batch_size`` events (or on
    :meth:`seal`) turns the encoded groups into rows and passes them to ``sealed``.
    Anything that cannot be stored goes to ``rejected`` instead and gets no sequence
    number. Safe to call from several publishing threads."""

    def __init__(
        self, batch_size: int, sealed: Sealed, rejected: Rejected, first_seq: int = 0
    ) -> None:
        self._batch_size = batch_size
        self._sealed = sealed
        self._rejected = rejected
        self._lock = threading.Lock()
        self._events: list[Any] = []  # fewer than GROUP, not yet encoded
        self._arrays: list[bytes] = []  # one msgpack array per encoded group
        self._codes: list[bytes] = []  # the class code of each event, per group
        self._times: list[tuple[int, int]] = []  # first and last ts_event_ns of each group
        self._encoded = 0  # events in the encoded groups
        self._next_seq = first_seq
        self._code_of: dict[type, int] = {}  # the table: classes seen to be storable
        self._classes: list[type] = []  # the table by code
        self._spare: list[bytearray] = []  # payload buffers whose rows were stored

    @property
    def pending(self) -> int:
        """Events captured but not yet passed on."""
        return len(self._events) + self._encoded

    def capture(self, event: Any) -> None:
        """The bus handler."""
        events = self._events
        events.append(event)
        if len(events) >= GROUP:
            with self._lock:
                self._encode_group()
                if self._encoded >= self._batch_size:
                    self._seal()

    def seal(self) -> None:
        """Pass on every pending event now, in the calling thread."""
        with self._lock:
            self._encode_group()
            self._seal()

    def _encode_group(self) -> None:
        events = self._events
        # Publishers only append and only this method removes, under the lock: the first
        # ``count`` events are exactly the ones encoded here.
        count = len(events)
        if not count:
            return
        group = events[:count]
        encoded = self._encode_whole(group)
        if encoded is None:
            group, encoded = self._screen(group)
        if group:
            array, codes, first_ts, last_ts = encoded
            self._arrays.append(array)
            self._codes.append(codes)
            self._times.append((first_ts, last_ts))
            self._encoded += len(group)
        del events[:count]

    def _encode_whole(self, group: list[Any]) -> Encoded | None:
        """The group encoded in one call, or None if one of its events might not be
        storable (then :meth:`_screen` looks at each)."""
        code_of = self._code_of
        try:
            codes = bytes([code_of[type(event)] for event in group])  # KeyError: a new class
            # An int64 array refuses a timestamp that is not an int or not in range.
            stamps = _typed_array(_INT64, [event.ts_event_ns for event in group])
            array = encode_array(group)
        except Exception:  # e.g. a field holding an object the codec cannot encode
            return None
        if len(array) > MAX_EVENT_BYTES:
            return None  # one of them might be too large
        return array, codes, stamps[0], stamps[-1]

    def _screen(self, group: list[Any]) -> tuple[list[Any], Encoded]:
        """The events of ``group`` that can be stored, and their encoding; the rest goes
        to ``rejected``."""
        kept: list[Any] = []
        for item in group:
            problem = storage_problem(item)
            if problem is None:
                kept.append(item)
            else:
                self._rejected(item, problem, self._next_seq + self._encoded + len(kept))
        if not kept:
            return kept, (b"", b"", 0, 0)
        classes = list(dict.fromkeys([type(event) for event in kept]))
        new = [cls for cls in classes if cls not in self._code_of]
        if len(self._classes) + len(new) > MAX_TYPES_PER_ROW:
            # The table is full: the groups so far become rows, and a new table starts.
            self._seal()
            self._code_of.clear()
            self._classes.clear()
            new = classes
        for cls in new:
            self._code_of[cls] = len(self._classes)
            self._classes.append(cls)
        codes = bytes([self._code_of[type(event)] for event in kept])
        return kept, (encode_array(kept), codes, kept[0].ts_event_ns, kept[-1].ts_event_ns)

    def _seal(self) -> None:
        if not self._encoded:
            return
        rows: list[Row] = []
        seq = self._next_seq
        start = 0  # the first group of the row being gathered
        count = 0  # events in the row being gathered
        size = 0  # their encoded bytes
        for index in range(len(self._codes)):
            group_count = len(self._codes[index])
            group_size = len(self._arrays[index])
            if count and (
                count + group_count > MAX_EVENTS_PER_ROW or size + group_size > MAX_ROW_BYTES
            ):
                rows.append(self._row(seq, count, start, index))
                seq += count
                start, count, size = index, 0, 0
            count += group_count
            size += group_size
        rows.append(self._row(seq, count, start, len(self._codes)))
        sealed = self._encoded
        self._arrays = []
        self._codes = []
        self._times = []
        self._encoded = 0
        self._next_seq = seq + count
        self._sealed(rows, sealed)

    def _row(self, seq: int, count: int, start: int, stop: int) -> Row:
        """The row of the ``count`` events ``seq...`` held by groups ``start`` to ``stop - 1``."""
        arrays = self._arrays[start:stop]
        table_codes = b"".join(self._codes[start:stop])
        # The row's classes in order of first appearance: where each code first occurs.
        firsts: list[tuple[int, int]] = []
        for code in range(len(self._classes)):
            at = table_codes.find(_CODE_BYTES[code])
            if at >= 0:
                firsts.append((at, code))
        firsts.sort()
        names = [self._classes[code].__name__ for _, code in firsts]
        codes: bytes | None = None
        if len(firsts) > 1:
            to_row = bytearray(MAX_TYPES_PER_ROW)
            for position, (_, code) in enumerate(firsts):
                to_row[code] = position
            codes = table_codes.translate(to_row)
        buffer = self._buffer(payload_size(arrays, count))
        first_ts, last_ts = self._times[start][0], self._times[stop - 1][1]
        return build_row(seq, count, names, codes, arrays, first_ts, last_ts, buffer)

    def _buffer(self, size: int) -> bytearray:
        spare = self._spare
        if spare and len(spare[-1]) >= size:
            return spare.pop()
        return bytearray(-(-size // _BUFFER_QUANTUM) * _BUFFER_QUANTUM)

    def recycle(self, rows: list[Row]) -> None:
        """Take back the payload buffers of ``rows`` once they are stored. Stores copy what
        they keep (see ``_sink``); the views are released, so a stray reader fails loudly
        instead of reading a reused buffer."""
        with self._lock:
            for row in rows:
                payload = row.payload
                if not isinstance(payload, memoryview):
                    continue
                buffer = payload.obj
                payload.release()
                if isinstance(buffer, bytearray) and len(self._spare) < SPARE_BUFFERS:
                    self._spare.append(buffer)
