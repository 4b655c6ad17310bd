"""Row packing: any event sequence round-trips, filters are exact, payload items are the
events' field tuples followed by their layouts, and a row never decompresses past the
bound its event count sets."""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import Sequence

import msgspec
import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st

from tickwire.events import (
    Bar,
    DecodeError,
    Event,
    EventBase,
    EventType,
    Fill,
    Side,
    Signal,
    encode,
)
from tickwire.persistence._rows import (
    MAX_EVENTS_PER_ROW,
    MSGPACK_ZLIB,
    MSGPACK_ZSTD,
    TUPLES_ZSTD,
    Row,
    encode_tuples,
    layout,
    row_size_bound,
    stored,
    unpack_row,
)
from tickwire.persistence._sql import encode_rows

# Valid values only: the codec rejects what the event rules forbid.
prices = st.floats(min_value=1e-9, max_value=1e9)
stamps = st.integers(min_value=0, max_value=2**63 - 1)
names = st.text(min_size=1, max_size=8).filter(str.strip)

bars = (
    st.lists(prices, min_size=4, max_size=4)
    .map(sorted)
    .flatmap(
        lambda p: st.builds(
            Bar,
            ts_event_ns=stamps,
            ts_created_ns=stamps,
            instrument=names,
            low=st.just(p[0]),
            open=st.just(p[1]),
            close=st.just(p[2]),
            high=st.just(p[3]),
        )
    )
)
fills = st.builds(
    Fill,
    ts_event_ns=stamps,
    ts_created_ns=stamps,
    order_id=names,
    instrument=names,
    side=st.sampled_from(Side),
    quantity=prices,
    price=prices,
)
signals = st.builds(
    Signal,
    ts_event_ns=stamps,
    ts_created_ns=stamps,
    instrument=names,
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


def _stored(row: Row) -> tuple[int, int, str, bytes | memoryview | None, str, bytes | memoryview]:
    return (row.seq, row.last_seq, row.event_types, row.type_codes, row.encoding, row.payload)


def pack_rows(first_seq: int, events: Sequence[EventBase], *, compress: bool = True) -> list[Row]:
    """Rows as a store writes them."""
    return [stored(row, compress) for row in encode_rows("run", first_seq, events)]


def _unpack_all(first_seq: int, events: Sequence[EventBase], compress: bool) -> list[EventBase]:
    rows = pack_rows(first_seq, events, compress=compress)
    assert [r.seq for r in rows] == [
        first_seq + sum(r.last_seq - r.seq + 1 for r in rows[:i]) for i in range(len(rows))
    ]
    records = [rec for r in rows for rec in unpack_row("run", _stored(r))]
    assert [rec.seq for rec in records] == list(range(first_seq, first_seq + len(events)))
    return [rec.event for rec in records]


@given(events_lists, st.integers(min_value=0, max_value=10**12), st.booleans())
def test_any_event_sequence_round_trips(
    events: list[EventBase], first_seq: int, compress: bool
) -> None:
    assert _unpack_all(first_seq, events, compress) == events


@given(events_lists)
def test_payload_items_are_field_tuples_then_the_layouts(events: list[EventBase]) -> None:
    for row in pack_rows(0, events, compress=False):
        *items, layouts = [bytes(item) for item in _items.decode(row.payload)]
        held = events[row.seq : row.last_seq + 1]
        # Each item is the event's field tuple, encoded as in a list of them.
        assert items == [encode_tuples([msgspec.structs.astuple(e)])[1:] for e in held]
        classes = list(dict.fromkeys(type(e) for e in held))
        assert row.event_types == ",".join(cls.__name__ for cls in classes)
        expected = [msgspec.msgpack.decode(layout(cls)) for cls in classes]
        assert msgspec.msgpack.decode(layouts) == expected
        assert expected[0][:2] == ["_type", classes[0].__struct_config__.tag]


def test_a_row_holds_no_field_names_per_event() -> None:
    bars = [
        Bar(ts_event_ns=i, ts_created_ns=i, instrument="X", open=1, high=1, low=1, close=1)
        for i in range(1000)
    ]
    (row,) = pack_rows(0, bars, compress=False)
    assert bytes(row.payload).count(b"ts_created_ns") == 1
    assert len(row.payload) < sum(len(encode(b)) for b in bars) / 2


@given(events_lists, st.sets(st.sampled_from(["Bar", "Fill", "Signal", "Event", "Tick"])))
def test_a_type_filter_decodes_exactly_the_wanted_events(
    events: list[EventBase], names: set[str]
) -> None:
    records = [
        rec
        for row in pack_rows(5, events)
        for rec in unpack_row("run", _stored(row), frozenset(names))
    ]
    wanted = [(5 + i, e) for i, e in enumerate(events) if type(e).__name__ in names]
    assert [(rec.seq, rec.event) for rec in records] == wanted


def test_mixed_types_share_a_row_with_their_names_and_codes() -> None:
    events: list[EventBase] = [
        Bar(ts_event_ns=10, instrument="X", open=1, high=1, low=1, close=1),
        Signal(ts_event_ns=11, instrument="X", side=Side.BUY, trigger_price=1),
        Bar(ts_event_ns=12, instrument="X", open=1, high=1, low=1, close=1),
    ]
    (row,) = pack_rows(7, events)
    assert (row.seq, row.last_seq, row.event_types, row.type_codes) == (
        7,
        9,
        "Bar,Signal",
        b"\0\1\0",
    )
    assert (row.ts_event_ns, row.last_ts_event_ns) == (10, 12)
    (single,) = pack_rows(0, events[:1])
    assert (single.event_types, single.type_codes) == ("Bar", None)


def test_long_streams_are_split_into_bounded_rows() -> None:
    stream = [
        Bar(ts_event_ns=i, ts_created_ns=i, instrument="X", open=1, high=1, low=1, close=1)
        for i in range(2 * MAX_EVENTS_PER_ROW + 1)
    ]
    rows = pack_rows(0, stream)
    sizes = [r.last_seq - r.seq + 1 for r in rows]
    assert sizes == [MAX_EVENTS_PER_ROW, MAX_EVENTS_PER_ROW, 1]
    assert [r.encoding for r in rows] == ["tuples+zstd", "tuples+zstd", "tuples"]
    assert rows[1].ts_event_ns == rows[1].seq
    assert rows[1].last_ts_event_ns == rows[1].last_seq
    assert _unpack_all(0, stream, True) == stream


def test_inconsistent_type_codes_name_run_and_seq() -> None:
    events: list[EventBase] = [
        Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1),
        Signal(ts_event_ns=2, instrument="X", side=Side.BUY, trigger_price=1),
    ]
    row = pack_rows(3, events)[0]
    with pytest.raises(DecodeError, match="run r, row at seq 3: 1 type codes for 2 events"):
        unpack_row("r", _stored(row._replace(type_codes=b"\0")))
    with pytest.raises(DecodeError, match="run r, row at seq 3: type code 2, but only 2 types"):
        unpack_row("r", _stored(row._replace(type_codes=b"\0\2")))
    with pytest.raises(DecodeError, match="run r, row at seq 3: holds 2 events, its seq range"):
        unpack_row("r", _stored(row._replace(last_seq=5)))


def test_rows_in_reused_buffers_are_stored_as_bytes() -> None:
    events = [
        Bar(ts_event_ns=i, ts_created_ns=i, instrument="X", open=1, high=1, low=1, close=1)
        for i in range(300)
    ]
    (row,) = encode_rows("r", 0, events)
    assert isinstance(row.payload, memoryview) and isinstance(row.payload.obj, bytearray)
    plain, packed = stored(row, compress=False), stored(row, compress=True)
    assert type(plain.payload) is bytes and plain.encoding == "tuples"
    assert type(packed.payload) is bytes and packed.encoding == "tuples+zstd"
    for version in (plain, packed):
        assert [r.event for r in unpack_row("r", _stored(version))] == events


def test_a_row_whose_layouts_do_not_match_its_types_is_refused() -> None:
    events: list[EventBase] = [
        Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1),
        Signal(ts_event_ns=2, instrument="X", side=Side.BUY, trigger_price=1),
    ]
    (row,) = pack_rows(0, events, compress=False)
    items = _items.decode(row.payload)
    one_layout = msgspec.msgpack.encode([*items[:-1], [["_type", "Bar", "ts_event_ns"]]])
    with pytest.raises(DecodeError, match="row at seq 0: 1 layouts for the 2 types listed"):
        unpack_row("r", _stored(row._replace(payload=one_layout)))
    short = msgspec.msgpack.encode([*items[:-1], [["_type", "Bar"], ["_type", "Signal"]]])
    with pytest.raises(DecodeError, match="row at seq 0: event 0: 9 values for 0 fields"):
        unpack_row("r", _stored(row._replace(payload=short)))


def _bomb(size: int, encoding: str) -> bytes:
    """``size`` zero bytes compressed (a few KB), made in slices to keep memory low."""
    piece = bytes(1 << 20)
    if encoding in (MSGPACK_ZSTD, TUPLES_ZSTD):
        # The frame header declares the content size, which a plain decompress() allocates.
        compressor = zstandard.ZstdCompressor(level=1, write_content_size=True)
        zstd_writer = compressor.compressobj(size=size)
        parts = [zstd_writer.compress(piece) for _ in range(size // len(piece))]
        return b"".join([*parts, zstd_writer.flush()])
    zlib_writer = zlib.compressobj(1)
    parts = [zlib_writer.compress(piece) for _ in range(size // len(piece))]
    return b"".join([*parts, zlib_writer.flush()])


@pytest.mark.parametrize("encoding", [TUPLES_ZSTD, MSGPACK_ZSTD, MSGPACK_ZLIB])
def test_a_row_that_decompresses_past_its_bound_is_refused_in_bounded_memory(
    encoding: str,
) -> None:
    payload = _bomb(256 << 20, encoding)
    assert len(payload) < 2 << 20
    row = (3, 12, "Bar", None, encoding, payload)  # ten events may take about 10 MiB
    tracemalloc.start()
    try:
        with pytest.raises(DecodeError, match="run r, row at seq 3: payload decompresses to more"):
            unpack_row("r", row)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * row_size_bound(10)  # and far below the 256 MiB it holds


def test_a_row_claiming_more_events_than_any_row_holds_is_refused() -> None:
    (row,) = pack_rows(0, [Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1)])
    with pytest.raises(DecodeError, match="row at seq 0: its seq range holds 100000 events"):
        unpack_row("r", _stored(row._replace(last_seq=99_999)))
