# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The recorder's bus handler: encodes events in small groups as they are published.

Every :data:`GROUP` events are read as field tuples and encoded with one call into a
small reused scratch buffer (the row format of ``_rows``: the names are written once per
row, from the class table), in the publishing thread, while they are still in its cache;
the bytes are then copied once, straight into the payload buffer of the row being filled.
Every ``batch_size`` events the rows are passed on, for a writer thread to compress and
insert (two calls that release the GIL) and hand the buffers back. Measured on a
backtest, this costs the publisher less than keeping the events for the writer thread to
encode (holding thousands of live events defeats the memory reuse that keeps an
unrecorded run fast, and the writer meets them cold and holds the GIL while it encodes),
and less than keeping each group's bytes until the batch is sealed (a batch's worth of
fresh objects to allocate, fill and copy again, out of cache). This module is compiled
(see setup.py).

Each event's class is kept as a one-byte code into a table of the classes seen so far
(with its encoded layout and where its ``ts_event_ns`` is), so that a row's type list,
layouts and type codes come from a few calls over bytes (``find`` and ``translate``);
runs of one class, as bars are, skip even the table lookup.

Bars of a chunked source come cheaper still: as the recorder's chunk tap (see
``tickwire.events._taps``) the capture is handed the source's chunks and told of each bar
as it is made (in :attr:`EventCapture.marks`); such a bar, once published, is kept as a
slot in the event order, nothing else: the slots take the chunk rows in turn, skipping
any bar that was made but never published. A row holding them is stored as
``encoding`` "columns": their columns are copied out of the chunks at once when the row
ends (``_columns``), and only the other events are encoded as tuples.

Whatever is published, recording goes on: a group is checked as a whole (every class
already in the table, every timestamp an int, one encode call, a small enough result)
and only a group that fails is screened event by event, so that what cannot be stored is
rejected on its own and the rest of the group is kept. A class enters the table once an
event of it passed the screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final

import msgspec

from tickwire.events import Bar
from tickwire.events._taps import BarMarks
from tickwire.persistence._columns import ChunkPiece, encode_bar_columns
from tickwire.persistence._rows import (
    COLUMNS,
    MAX_EVENT_BYTES,
    MAX_EVENTS_PER_ROW,
    MAX_TYPES_PER_ROW,
    PAYLOAD_START,
    TUPLES,
    Row,
    finish_columns_payload,
    finish_payload,
    layout,
    layouts_size,
    storage_problem,
)
from tickwire.persistence._rows import (
    encode_tuples_into as _encode_into,
)

__all__ = ["GROUP", "ROW_BUFFER_BYTES", "EventCapture"]


class _ColumnBar:
    """The class of :data:`_SLOT`: in the class table, the bars stored as columns."""


_SLOT: Final = _ColumnBar()
"""Stands in the pending events for a marked bar (its values are in the chunks)."""
_COLUMN_BAR: Final = _ColumnBar
_UNMARKED: Final = object()
"""What the last marked bar is while none waits to be published (None could be one)."""


def _type_name(cls: type) -> str:
    """The stored type name of a class of the table (column bars are bars)."""
    return "Bar" if cls is _COLUMN_BAR else cls.__name__


GROUP: Final = 64
"""Events encoded per call: enough to spread the call's cost, few enough to stay cached."""

ROW_BUFFER_BYTES: Final = 2 << 20
"""The payload buffer of a row: a full row of bars (16,384 of them) takes 1.2 MB. A row
ends when its next group would not fit (a buffer for a larger group is made to measure)."""
SPARE_BUFFERS: Final = 8
"""Payload buffers kept for reuse once their rows are stored (a batch of bars at the
Recorder's default size makes two)."""

_astuple: Final = msgspec.structs.astuple
"""Bound once: compiled code calls it without a module attribute lookup per event."""
_TS_LOW: Final = -(2**62) + 1
_TS_HIGH: Final = 2**62 - 1
"""Timestamps checked in a group's fast path: compiled code compares them without boxing.
One outside (still an int64, after 2116) sends its group through :meth:`_screen`."""
_CODE_BYTES: Final = tuple(bytes((code,)) for code in range(MAX_TYPES_PER_ROW))

Sealed = Callable[[list[Row], int], None]
"""Receives each batch: its rows (uncompressed) and how many events they hold."""
Rejected = Callable[[object, str, int], None]
"""Receives what cannot be stored: the object, why, and the seq the next event gets."""


class EventCapture:
    """Encodes what it is given in groups; every ``batch_size`` events (or on
    :meth:`seal`) passes the rows they fill to ``sealed``. Anything that cannot be
    stored goes to ``rejected`` instead and gets no sequence number. Safe to call from
    several publishing threads."""

    def __init__(
        self, batch_size: int, sealed: Sealed, rejected: Rejected, first_seq: int = 0
    ) -> None:
        self._batch_size = batch_size
        self._sealed = sealed
        self._rejected = rejected
        self._lock = threading.Lock()
        self._events: list[Any] = []  # fewer than GROUP, not yet encoded
        self._scratch = bytearray(1 << 16)  # where each group is encoded
        self._rows: list[Row] = []  # rows filled since the last batch
        self._encoded = 0  # events encoded since the last batch
        self._next_seq = first_seq  # the seq of the first of them
        # The row being filled: its payload buffer, where its next item goes, its events,
        # their class codes (one bytes per group), their first and last ts_event_ns.
        self._buffer: bytearray | None = None
        self._end = 0
        self._count = 0
        self._codes: list[bytes] = []
        self._first_ts = 0
        self._last_ts = 0
        self._code_of: dict[type, int] = {}  # the table: classes seen to be storable
        self._classes: list[type] = []  # the table by code
        self._layouts: list[bytes] = []  # by code: the class's encoded layout
        self._ts_at: list[int] = []  # by code: the index of ts_event_ns in its tuples
        self._layout_room = layouts_size([])  # what the layouts of any row take at most
        self._spare: list[bytearray] = []  # payload buffers whose rows were stored
        # The chunk tap: the chunks handed so far (first row number, chunk, its bars'
        # ts_created_ns and interval) until their rows are stored; the row the next
        # captured bar has if none was skipped; rows made but never published (in order);
        # the row the next slot takes; the row ranges of the bars of the row being filled.
        self.marks = BarMarks()
        """Where a chunked source notes each bar it makes (see ``tickwire.events._taps``)."""
        self.marks.last = _UNMARKED
        self._chunks: list[tuple[int, Any, int, str]] = []  # chunks are data.BarChunk
        self._chunk_end = 0
        self._captured_next = 0
        self._gaps: list[int] = []
        self._slot_next = 0
        self._row_ranges: list[tuple[int, int]] = []

    @property
    def pending(self) -> int:
        """Events captured but not yet passed on."""
        return len(self._events) + self._encoded

    def chunk(self, chunk: Any, created: Any, interval: str) -> None:
        """The tap: ``chunk`` is the next of the bars' source (``ts_created_ns`` and
        ``interval`` as its bars have them)."""
        self._chunks.append((self._chunk_end, chunk, int(created), interval))
        self._chunk_end += len(chunk)

    def capture(self, event: Any) -> None:
        """The bus handler."""
        events = self._events
        marks = self.marks
        if event is marks.last:  # the bar the source made last: its values are in a chunk
            marks.last = _UNMARKED
            row = marks.made - 1
            if row != self._captured_next:  # bars made but never published: not stored
                self._gaps.extend(range(self._captured_next, row))  # before the slot
            self._captured_next = row + 1
            events.append(_SLOT)
        else:
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
        if not self._encode_whole(group):
            self._screen(group)
        del events[:count]

    def _encode_whole(self, group: list[Any]) -> bool:
        """Encode the group in one call and add it to the row; False (and nothing added)
        if one of its events might not be storable (then :meth:`_screen` looks at each)."""
        code_of = self._code_of
        ts_at = self._ts_at
        count = len(group)
        tuples: list[Any] = [None] * count
        runs: list[bytes] = []  # the class codes, a run of one class at a time
        last_class: object = None
        code = 0
        at = 0
        run_start = 0
        first_ts = 0
        stamp = 0
        index = 0
        n_tuples = 0
        bars = 0
        first_bar = False  # whether the group starts (ends) with a column bar, whose
        last_bar = False  # time is read from its chunk once the loop is done
        try:
            for event in group:
                cls = type(event)
                if cls is not last_class:
                    if index:
                        runs.append(_CODE_BYTES[code] * (index - run_start))
                    code = code_of[cls]  # KeyError: a class not in the table
                    at = ts_at[code]
                    last_class = cls
                    run_start = index
                if cls is _COLUMN_BAR:
                    first_bar = first_bar or not index
                    last_bar = True
                    bars += 1
                    index += 1
                    continue
                last_bar = False
                fields: tuple[Any, ...] = _astuple(event)
                ts = fields[at]
                if type(ts) is not int:  # a bool, a float or anything else: screened
                    return False
                stamp = ts
                if stamp < _TS_LOW or stamp > _TS_HIGH:
                    return False
                if not index:
                    first_ts = stamp
                tuples[n_tuples] = fields
                n_tuples += 1
                index += 1
            runs.append(_CODE_BYTES[code] * (index - run_start))
            if n_tuples:
                del tuples[n_tuples:]
                _encode_into(tuples, self._scratch)
        except Exception:  # e.g. a field holding an object the codec cannot encode
            return False
        if n_tuples and len(self._scratch) > MAX_EVENT_BYTES:
            return False  # one of them might be too large
        ranges = self._take_rows(bars)
        if first_bar:
            first_ts = self._bar_ts(ranges[0][0])
        if last_bar:
            stamp = self._bar_ts(ranges[-1][1] - 1)
        self._add(count, b"".join(runs), first_ts, stamp, ranges, n_tuples > 0)
        return True

    def _take_rows(self, n: int) -> list[tuple[int, int]]:
        """The chunk rows of the next ``n`` slots, as ranges: in turn, skipping gaps."""
        ranges: list[tuple[int, int]] = []
        gaps = self._gaps
        low = self._slot_next
        while n > 0:
            while gaps and gaps[0] <= low:
                if gaps[0] == low:
                    low += 1
                del gaps[0]
            high = low + n
            if gaps and gaps[0] < high:
                high = gaps[0]
            ranges.append((low, high))
            n -= high - low
            low = high
        self._slot_next = low
        return ranges

    def _bar_ts(self, row: int) -> int:
        """``ts_event_ns`` of chunk row ``row`` (a group's first or last event, or any
        bar: one read of a chunk a bar, far cheaper than encoding one)."""
        chunks = self._chunks
        for k in range(len(chunks) - 1, -1, -1):
            start: int = chunks[k][0]
            if row >= start:
                times: Any = chunks[k][1].ts
                return int(times[row - start])
        raise LookupError(f"chunk row {row} was not handed to the recorder")

    def _screen(self, group: list[Any]) -> None:
        """Add the events of ``group`` that can be stored to the row; the rest goes to
        ``rejected``."""
        kept: list[Any] = []
        for item in group:
            problem = None if item is _SLOT else storage_problem(item)
            if problem is None:
                kept.append(item)
            else:
                self._rejected(item, problem, self._next_seq + self._encoded + len(kept))
        if not kept:
            return
        classes = list(dict.fromkeys([type(event) for event in kept]))
        new = [cls for cls in classes if cls not in self._code_of]
        if len(self._classes) + len(new) > MAX_TYPES_PER_ROW:
            # The table is full: the rows so far are passed on, and a new table starts.
            self._seal()
            self._code_of.clear()
            self._classes.clear()
            self._layouts.clear()
            self._ts_at.clear()
            self._layout_room = layouts_size([])
            new = classes
        for cls in new:
            self._code_of[cls] = len(self._classes)
            self._classes.append(cls)
            column = cls is _COLUMN_BAR
            self._layouts.append(layout(Bar if column else cls))
            self._ts_at.append(0 if column else cls.__struct_fields__.index("ts_event_ns"))
        self._layout_room = layouts_size(self._layouts)
        codes = bytes([self._code_of[type(event)] for event in kept])
        encoded = [_astuple(event) for event in kept if event is not _SLOT]
        if encoded:
            _encode_into(encoded, self._scratch)
        ranges = self._take_rows(len(kept) - len(encoded))
        first = self._bar_ts(ranges[0][0]) if kept[0] is _SLOT else kept[0].ts_event_ns
        last = self._bar_ts(ranges[-1][1] - 1) if kept[-1] is _SLOT else kept[-1].ts_event_ns
        self._add(len(kept), codes, first, last, ranges, bool(encoded))

    def _add(
        self,
        count: int,
        codes: bytes,
        first_ts: int,
        last_ts: int,
        ranges: list[tuple[int, int]],
        encoded: bool,
    ) -> None:
        """Copy the group of ``count`` events (slots for the bars of chunk rows
        ``ranges``, the others encoded in the scratch buffer if ``encoded``) into the
        row, first ending the row if the group would not fit."""
        scratch = self._scratch
        size = 0
        skip = 0
        if encoded:
            skip = 1 if scratch[0] < 0xDC else (3 if scratch[0] == 0xDC else 5)  # header
            size = len(scratch) - skip
        buffer = self._buffer
        if buffer is not None and (
            self._count + count > MAX_EVENTS_PER_ROW
            or self._end + size + self._layout_room > len(buffer)
        ):
            self._end_row()
            buffer = None
        if buffer is None:
            buffer = self._new_buffer(PAYLOAD_START + size + self._layout_room)
            self._buffer = buffer
            self._end = PAYLOAD_START
            self._first_ts = first_ts
        if size:
            source = memoryview(scratch)
            buffer[self._end : self._end + size] = source[skip:]
            source.release()
        row_ranges = self._row_ranges
        for low, high in ranges:
            if row_ranges and row_ranges[-1][1] == low:
                row_ranges[-1] = (row_ranges[-1][0], high)
            else:
                row_ranges.append((low, high))
        self._end += size
        self._count += count
        self._codes.append(codes)
        self._last_ts = last_ts
        self._encoded += count

    def _end_row(self) -> None:
        """Finish the row being filled (its layouts, type codes and header) and keep it."""
        buffer = self._buffer
        if buffer is None:
            return
        table_codes = b"".join(self._codes)
        # The row's classes in order of first appearance: where each code first occurs.
        firsts: list[tuple[int, int]] = []
        for code in range(len(self._classes)):
            at = table_codes.find(_CODE_BYTES[code])
            if at >= 0:
                firsts.append((at, code))
        firsts.sort()
        names = [_type_name(self._classes[code]) for _, code in firsts]
        layouts = [self._layouts[code] for _, code in firsts]
        codes: bytes | None = None
        column_at = -1
        to_row = bytearray(MAX_TYPES_PER_ROW)
        for position, (_, code) in enumerate(firsts):
            to_row[code] = position
            if self._classes[code] is _COLUMN_BAR:
                column_at = position
        if len(firsts) > 1:
            codes = table_codes.translate(to_row)
        payload: bytes | memoryview
        encoding = TUPLES
        if self._row_ranges:
            encoding = COLUMNS
            bars = sum(high - low for low, high in self._row_ranges)
            columns = encode_bar_columns(column_at, self._pieces(self._row_ranges))
            tuples = self._count - bars
            payload = finish_columns_payload(buffer, self._end, tuples, layouts, columns)
            self._row_ranges = []
            self._keep_spare(buffer)  # copied out: reusable at once
        else:
            payload = finish_payload(buffer, self._end, self._count, layouts)
        seq = self._next_seq + self._encoded - self._count
        last_seq = seq + self._count - 1
        types = ",".join(names)
        self._rows.append(
            Row(seq, last_seq, types, codes, self._first_ts, self._last_ts, encoding, payload)
        )
        self._buffer = None
        self._end = 0
        self._count = 0
        self._codes = []

    def _pieces(self, ranges: list[tuple[int, int]]) -> list[ChunkPiece]:
        """The chunk pieces holding the bars of the chunk row ``ranges`` (increasing), in
        order; chunks no later row can come from are let go."""
        pieces: list[ChunkPiece] = []
        for low, high in ranges:
            for entry in self._chunks:
                start: int = entry[0]
                chunk: Any = entry[1]
                end = start + len(chunk)
                if end > low and start < high:
                    piece_start = max(low, start) - start
                    piece_stop = min(high, end) - start
                    pieces.append(ChunkPiece(chunk, entry[2], entry[3], piece_start, piece_stop))
        done = ranges[-1][1]
        while self._chunks and self._chunks[0][0] + len(self._chunks[0][1]) <= done:
            del self._chunks[0]
        return pieces

    def _keep_spare(self, buffer: bytearray) -> None:
        """Keep ``buffer`` for reuse if it has the usual size and room is left."""
        if len(buffer) == ROW_BUFFER_BYTES and len(self._spare) < SPARE_BUFFERS:
            self._spare.append(buffer)

    def _seal(self) -> None:
        if not self._encoded:
            return
        self._end_row()
        rows = self._rows
        sealed = self._encoded
        self._rows = []
        self._encoded = 0
        self._next_seq += sealed
        self._sealed(rows, sealed)

    def _new_buffer(self, size: int) -> bytearray:
        spare = self._spare
        if spare and len(spare[-1]) >= size:
            return spare.pop()
        return bytearray(max(size, ROW_BUFFER_BYTES))

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
                # Only the usual size is kept: one made to measure for a large group goes.
                if isinstance(buffer, bytearray):
                    self._keep_spare(buffer)
