"""The recorder's bus handler: groups, batches and rows that give back every event, and
whatever cannot be stored rejected on its own."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.events import Bar, EventBase, InfoEvent, Side, Signal, register_event_type
from tickwire.persistence._capture import GROUP, EventCapture
from tickwire.persistence._rows import (
    MAX_EVENT_BYTES,
    MAX_EVENTS_PER_ROW,
    MAX_ROW_BYTES,
    MAX_TYPES_PER_ROW,
    Row,
    unpack_row,
)

from .test_rows import _stored, events_lists


class _Batches:
    """Collects what the capture seals and what it rejects."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.counts: list[int] = []
        self.rejected: list[tuple[object, str, int]] = []

    def __call__(self, rows: list[Row], count: int) -> None:
        assert count == sum(r.last_seq - r.seq + 1 for r in rows)
        self.rows += rows
        self.counts.append(count)

    def reject(self, item: object, problem: str, before_seq: int) -> None:
        self.rejected.append((item, problem, before_seq))

    def capture(self, batch_size: int) -> EventCapture:
        return EventCapture(batch_size, self, self.reject)

    def events(self) -> list[EventBase]:
        records = [rec for row in self.rows for rec in unpack_row("r", _stored(row))]
        assert [rec.seq for rec in records] == list(range(len(records)))
        return [rec.event for rec in records]


def bar(i: int) -> Bar:
    return Bar(ts_event_ns=i, ts_created_ns=0, instrument="X", open=1, high=1, low=1, close=1)


@given(events_lists, st.integers(min_value=1, max_value=200))
def test_every_event_comes_back_in_order(events: list[EventBase], batch_size: int) -> None:
    batches = _Batches()
    capture = batches.capture(batch_size)
    for event in events:
        capture.capture(event)
    capture.seal()
    assert capture.pending == 0
    assert batches.events() == events


def test_batches_are_sealed_by_the_publisher_in_whole_groups() -> None:
    batches = _Batches()
    capture = batches.capture(2 * GROUP)
    for i in range(5 * GROUP + 3):
        capture.capture(bar(i))
    assert batches.counts == [2 * GROUP, 2 * GROUP]
    assert capture.pending == GROUP + 3
    capture.seal()
    assert batches.counts[-1] == GROUP + 3
    assert (batches.rows[0].ts_event_ns, batches.rows[0].last_ts_event_ns) == (0, 2 * GROUP - 1)


def test_rows_stay_within_the_event_and_type_limits() -> None:
    kinds = [_event_class(n) for n in range(MAX_TYPES_PER_ROW + 10)]
    events: list[EventBase] = [kind(ts_event_ns=i) for i, kind in enumerate(kinds)]
    events += [bar(i) for i in range(MAX_EVENTS_PER_ROW + 100)]
    batches = _Batches()
    capture = batches.capture(10**9)
    for event in events:
        capture.capture(event)
    capture.seal()
    assert all(r.last_seq - r.seq < MAX_EVENTS_PER_ROW for r in batches.rows)
    assert all(len(r.event_types.split(",")) <= MAX_TYPES_PER_ROW for r in batches.rows)
    assert len(batches.rows) == 3
    assert batches.events() == events


class _Unencodable(EventBase, frozen=True, kw_only=True):
    payload: Any


_classes: dict[int, type[EventBase]] = {}


def _event_class(n: int) -> type[EventBase]:
    """A distinct event class per ``n`` (made and registered with the codec once)."""
    if n not in _classes:
        kind = type(f"CaptureKind{n}", (EventBase,), {"__annotations__": {}}, frozen=True)
        _classes[n] = register_event_type(kind)
    return _classes[n]


def test_payload_buffers_are_reused_once_their_rows_are_recycled() -> None:
    batches = _Batches()
    capture = batches.capture(GROUP)
    for i in range(GROUP):
        capture.capture(bar(i))
    first = batches.rows[0]
    assert isinstance(first.payload, memoryview)
    buffer = first.payload.obj
    assert batches.events() == [bar(i) for i in range(GROUP)]
    capture.recycle([first])
    with pytest.raises(ValueError):
        first.payload.tobytes()  # the view was released: nothing can read the reused buffer
    for i in range(GROUP, 2 * GROUP):
        capture.capture(bar(i))
    assert batches.rows[1].payload.obj is buffer  # type: ignore[union-attr]
    assert [r.event for r in unpack_row("r", _stored(batches.rows[1]))] == [
        bar(i) for i in range(GROUP, 2 * GROUP)
    ]


class _Opaque:
    """An object no codec knows."""


JUNK: list[Any] = [
    object(),
    _Opaque(),
    {"close": 101.5},
    "a websocket message",
    None,
    Bar(ts_event_ns=2**63, instrument="X", open=1, high=1, low=1, close=1),
    Bar(ts_event_ns=-(2**63) - 1, instrument="X", open=1, high=1, low=1, close=1),
    Bar(ts_event_ns=1.5, instrument="X", open=1, high=1, low=1, close=1),  # type: ignore[arg-type]
    Bar(ts_event_ns="soon", instrument="X", open=1, high=1, low=1, close=1),  # type: ignore[arg-type]
    _Unencodable(ts_event_ns=0, payload=object()),
]
"""What a store cannot hold: not events, timestamps outside int64, fields the codec refuses."""
junk = st.sampled_from(JUNK)


@given(st.lists(st.one_of(events_lists, st.lists(junk, min_size=1, max_size=3))))
def test_what_cannot_be_stored_is_rejected_alone_and_everything_else_kept(
    pieces: list[list[Any]],
) -> None:
    published = [item for items in pieces for item in items]
    batches = _Batches()
    capture = batches.capture(50)
    for item in published:
        capture.capture(item)
    capture.seal()
    junk_ids = {id(item) for item in JUNK}
    kept = [item for item in published if id(item) not in junk_ids]
    assert batches.events() == kept
    expected = []
    stored_so_far = 0
    for item in published:
        if id(item) in junk_ids:
            expected.append((item, stored_so_far))
        else:
            stored_so_far += 1
    assert [(item, seq) for item, _, seq in batches.rejected] == expected
    assert capture.pending == 0


def test_a_bad_event_costs_only_itself_and_says_why() -> None:
    batches = _Batches()
    capture = batches.capture(10**9)
    published: list[Any] = [bar(i) for i in range(GROUP * 3)]
    published[5] = {"close": 1.0}
    published[GROUP + 7] = Bar(ts_event_ns=2**63, instrument="X", open=1, high=1, low=1, close=1)
    published[2 * GROUP - 1] = _Unencodable(ts_event_ns=9, payload=_Opaque())
    for item in published:
        capture.capture(item)
    capture.seal()
    assert batches.events() == [e for i, e in enumerate(published) if i not in (5, GROUP + 7, 127)]
    problems = [(seq, problem) for _, problem, seq in batches.rejected]
    assert problems == [
        (5, "not an event: dict {'close': 1.0}"),
        (GROUP + 6, "Bar.ts_event_ns: expected an int64 nanosecond time, got 9223372036854775808"),
        (2 * GROUP - 3, "_Unencodable cannot be encoded: cannot encode objects of type _Opaque"),
    ]


def test_events_too_large_are_rejected_and_rows_stay_within_the_byte_limit() -> None:
    text = "x" * 1_000_000  # an event of about 1 MB: 68 of them are more than a row holds
    events = [InfoEvent(ts_event_ns=i, component="c", message=text) for i in range(68)]
    huge = InfoEvent(ts_event_ns=99, component="c", message="y" * (MAX_EVENT_BYTES + 1))
    batches = _Batches()
    capture = batches.capture(10**9)
    for event in [*events[:10], huge, *events[10:]]:
        capture.capture(event)
    capture.seal()
    assert [len(row.payload) <= MAX_ROW_BYTES for row in batches.rows] == [True, True]
    assert [r.last_seq - r.seq + 1 for r in batches.rows] == [63, 5]  # the first group lost one
    ((item, problem, seq),) = batches.rejected
    assert item is huge and seq == 10 and "more than the 1,048,576 stored" in problem
    assert [e.ts_event_ns for e in batches.events()] == list(range(68))


def test_a_row_lists_its_own_types_in_order_of_first_appearance() -> None:
    signal = Signal(ts_event_ns=1, instrument="X", side=Side.BUY, trigger_price=1.0)
    batches = _Batches()
    capture = batches.capture(10**9)
    for event in [bar(0), signal, bar(1)]:
        capture.capture(event)
    capture.seal()
    for event in [signal, signal, bar(2), signal]:
        capture.capture(event)
    capture.seal()
    capture.capture(signal)
    capture.seal()
    assert [(r.event_types, r.type_codes) for r in batches.rows] == [
        ("Bar,Signal", b"\0\1\0"),
        ("Signal,Bar", b"\0\0\1\0"),
        ("Signal", None),
    ]
    assert batches.events() == [bar(0), signal, bar(1), signal, signal, bar(2), signal, signal]
