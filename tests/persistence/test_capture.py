"""The recorder's bus handler: groups, batches and rows that give back every event."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.events import Bar, EventBase, register_event_type
from tickwire.persistence._capture import GROUP, EventCapture
from tickwire.persistence._rows import MAX_EVENTS_PER_ROW, MAX_TYPES_PER_ROW, Row, unpack_row

from .test_rows import _stored, events_lists


class _Batches:
    """Collects what the capture seals."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.counts: list[int] = []

    def __call__(self, rows: list[Row], count: int) -> None:
        assert count == sum(r.last_seq - r.seq + 1 for r in rows)
        self.rows += rows
        self.counts.append(count)

    def events(self) -> list[EventBase]:
        records = [rec for row in self.rows for rec in unpack_row("r", _stored(row))]
        assert [rec.seq for rec in records] == list(range(len(records)))
        return [rec.event for rec in records]


def bar(i: int) -> Bar:
    return Bar(ts_event_ns=i, ts_created_ns=0, instrument="X", open=1, high=1, low=1, close=1)


@given(events_lists, st.integers(min_value=1, max_value=200))
def test_every_event_comes_back_in_order(events: list[EventBase], batch_size: int) -> None:
    batches = _Batches()
    capture = EventCapture(batch_size, batches)
    for event in events:
        capture.capture(event)
    capture.seal()
    assert capture.pending == 0
    assert batches.events() == events


def test_batches_are_sealed_by_the_publisher_in_whole_groups() -> None:
    batches = _Batches()
    capture = EventCapture(2 * GROUP, batches)
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
    capture = EventCapture(10**9, batches)
    for event in events:
        capture.capture(event)
    capture.seal()
    assert all(r.last_seq - r.seq < MAX_EVENTS_PER_ROW for r in batches.rows)
    assert all(len(r.event_types.split(",")) <= MAX_TYPES_PER_ROW for r in batches.rows)
    assert len(batches.rows) == 3
    assert batches.events() == events


def test_an_event_that_cannot_be_encoded_stays_pending_and_is_reported() -> None:
    batches = _Batches()
    capture = EventCapture(10**9, batches)
    for i in range(GROUP - 1):
        capture.capture(bar(i))
    with pytest.raises(NotImplementedError, match="cannot encode"):
        capture.capture(_Unencodable(ts_event_ns=0, payload=object()))
    assert capture.pending == GROUP and isinstance(capture.error, NotImplementedError)
    capture.capture(bar(99))  # no retry per event once encoding failed
    with pytest.raises(NotImplementedError, match="cannot encode"):
        capture.seal()
    assert batches.rows == [] and capture.pending == GROUP + 1


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
    capture = EventCapture(GROUP, batches)
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


def test_a_buffer_still_viewed_elsewhere_is_not_reused() -> None:
    batches = _Batches()
    capture = EventCapture(GROUP, batches)
    for i in range(GROUP):
        capture.capture(bar(i))
    row = batches.rows[0]
    assert isinstance(row.payload, memoryview)
    buffer, kept = row.payload.obj, row.payload[:10]  # a store that kept part of it
    before = bytes(kept)
    capture.recycle([row])
    for i in range(GROUP, 2 * GROUP):
        capture.capture(bar(i + 1000))
    assert batches.rows[1].payload.obj is not buffer  # type: ignore[union-attr]
    assert bytes(kept) == before
