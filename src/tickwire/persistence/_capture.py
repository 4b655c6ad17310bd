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
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final

from tickwire.persistence._rows import (
    MAX_EVENTS_PER_ROW,
    MAX_TYPES_PER_ROW,
    Row,
    build_row,
    encode_array,
    payload_size,
)

__all__ = ["GROUP", "EventCapture"]

GROUP: Final = 64
"""Events encoded per call: enough to spread the call's cost, few enough to stay cached."""

SPARE_BUFFERS: Final = 8
"""Payload buffers kept for reuse once their rows are stored (a batch makes four)."""
_BUFFER_QUANTUM: Final = 1 << 20

Sealed = Callable[[list[Row], int], None]
"""Receives each batch: its rows (uncompressed) and how many events they hold."""


class EventCapture:
    """Encodes what it is given in groups; every ``batch_size`` events (or on
    :meth:`seal`) turns the encoded groups into rows and passes them to ``sealed``.
    Safe to call from several publishing threads."""

    def __init__(self, batch_size: int, sealed: Sealed) -> None:
        self._batch_size = batch_size
        self._sealed = sealed
        self._lock = threading.Lock()
        self._events: list[Any] = []  # fewer than GROUP, not yet encoded
        self._arrays: list[bytes] = []  # one msgpack array per encoded group
        self._kinds: list[list[type]] = []  # the event classes of each group
        self._times: list[tuple[int, int]] = []  # first and last ts_event_ns of each group
        self._encoded = 0  # events in the encoded groups
        self._next_seq = 0
        self._spare: list[bytearray] = []  # payload buffers whose rows were stored
        self.error: Exception | None = None
        """Why encoding failed: those events stay pending, and sealing raises it again."""

    @property
    def pending(self) -> int:
        """Events captured but not yet passed on."""
        return len(self._events) + self._encoded

    def capture(self, event: Any) -> None:
        """The bus handler."""
        events = self._events
        events.append(event)
        if len(events) >= GROUP and self.error is None:
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
        try:
            array = encode_array(group)
        except Exception as exc:
            self.error = exc
            raise
        self.error = None
        self._arrays.append(array)
        self._kinds.append([type(event) for event in group])
        self._times.append((group[0].ts_event_ns, group[-1].ts_event_ns))
        self._encoded += count
        del events[:count]

    def _seal(self) -> None:
        if not self._encoded:
            return
        rows: list[Row] = []
        seq = self._next_seq
        start = 0  # the first group of the row being gathered
        kinds: list[type] = []
        distinct: set[type] = set()
        for index, group_kinds in enumerate(self._kinds):
            widened = distinct.union(group_kinds)
            if kinds and (
                len(kinds) + len(group_kinds) > MAX_EVENTS_PER_ROW
                or len(widened) > MAX_TYPES_PER_ROW
            ):
                rows.append(self._row(seq, kinds, start, index))
                seq += len(kinds)
                start, kinds, widened = index, [], set(group_kinds)
            kinds.extend(group_kinds)
            distinct = widened
        rows.append(self._row(seq, kinds, start, len(self._kinds)))
        count = self._encoded
        self._arrays = []
        self._kinds = []
        self._times = []
        self._encoded = 0
        self._next_seq = seq + len(kinds)
        self._sealed(rows, count)

    def _row(self, seq: int, kinds: list[type], start: int, stop: int) -> Row:
        """The row of events ``seq...`` held by groups ``start`` to ``stop - 1``."""
        arrays = self._arrays[start:stop]
        buffer = self._buffer(payload_size(arrays, len(kinds)))
        first_ts, last_ts = self._times[start][0], self._times[stop - 1][1]
        return build_row(seq, kinds, arrays, first_ts, last_ts, buffer)

    def _buffer(self, size: int) -> bytearray:
        spare = self._spare
        if spare and len(spare[-1]) >= size:
            return spare.pop()
        return bytearray(-(-size // _BUFFER_QUANTUM) * _BUFFER_QUANTUM)

    def recycle(self, rows: list[Row]) -> None:
        """Take back the payload buffers of ``rows`` once they are stored (and unused)."""
        with self._lock:
            for row in rows:
                payload = row.payload
                if not isinstance(payload, memoryview):
                    continue
                buffer = payload.obj
                payload.release()
                if (
                    isinstance(buffer, bytearray)
                    and len(self._spare) < SPARE_BUFFERS
                    and _unshared(buffer)
                ):
                    self._spare.append(buffer)


def _unshared(buffer: bytearray) -> bool:
    """Whether no view of ``buffer`` is left (a store may have kept one): only then can it
    be reused. A bytearray with live views cannot change size."""
    try:
        buffer.append(0)
    except BufferError:
        return False
    del buffer[-1]
    return True
