"""Row packing: any event sequence round-trips, and payload items are the codec's bytes."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from tickwire.events import Bar, Event, EventBase, EventType, Fill, Side, Signal, encode
from tickwire.persistence._rows import MAX_EVENTS_PER_ROW, pack_rows, unpack_row

prices = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
stamps = st.integers(min_value=0, max_value=2**63 - 1)

bars = st.builds(
    Bar,
    ts_event_ns=stamps,
    ts_created_ns=stamps,
    instrument=st.text(max_size=8),
    open=prices,
    high=prices,
    low=prices,
    close=prices,
)
fills = st.builds(
    Fill,
    ts_event_ns=stamps,
    ts_created_ns=stamps,
    order_id=st.text(max_size=8),
    instrument=st.text(max_size=8),
    side=st.sampled_from(Side),
    quantity=prices,
    price=prices,
)
signals = st.builds(
    Signal,
    ts_event_ns=stamps,
    ts_created_ns=stamps,
    instrument=st.text(max_size=8),
    side=st.sampled_from(Side),
    trigger_price=prices,
)
generic = st.builds(
    Event,
    ts_event_ns=stamps,
    ts_created_ns=stamps,
    type=st.sampled_from(EventType.members()),
    data=st.dictionaries(st.text(max_size=4), prices, max_size=3),
)
events_lists = st.lists(st.one_of(bars, fills, signals, generic), max_size=60)
_items = msgspec.msgpack.Decoder(list[msgspec.Raw])


def _unpack_all(first_seq: int, events: Sequence[EventBase], compress: bool) -> list[EventBase]:
    rows = pack_rows(first_seq, events, compress=compress)
    assert [r.seq for r in rows] == [
        first_seq + sum(r.n_events for r in rows[:i]) for i in range(len(rows))
    ]
    return [e for r in rows for e in unpack_row("run", r.seq, r.n_events, r.encoding, r.payload)]


@given(events_lists, st.integers(min_value=0, max_value=10**12), st.booleans())
def test_any_event_sequence_round_trips(
    events: list[EventBase], first_seq: int, compress: bool
) -> None:
    assert _unpack_all(first_seq, events, compress) == events


@given(events_lists)
def test_payload_items_are_the_codecs_bytes(events: list[EventBase]) -> None:
    for row in pack_rows(0, events, compress=False):
        first = row.seq
        items = [bytes(item) for item in _items.decode(row.payload)]
        assert items == [encode(e) for e in events[first : first + row.n_events]]


def test_long_streams_are_split_into_bounded_rows() -> None:
    stream = [
        Bar(ts_event_ns=i, ts_created_ns=i, instrument="X", open=1, high=1, low=1, close=1)
        for i in range(2 * MAX_EVENTS_PER_ROW + 1)
    ]
    rows = pack_rows(0, stream)
    assert [r.n_events for r in rows] == [MAX_EVENTS_PER_ROW, MAX_EVENTS_PER_ROW, 1]
    assert [r.encoding for r in rows] == ["msgpack+zlib", "msgpack+zlib", "msgpack"]
    assert rows[1].ts_event_ns == MAX_EVENTS_PER_ROW
    assert rows[1].last_ts_event_ns == 2 * MAX_EVENTS_PER_ROW - 1
    assert _unpack_all(0, stream, True) == stream
