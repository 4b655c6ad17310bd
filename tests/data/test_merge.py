"""Merging files into one time-ordered stream, with ties in path order, then row order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.data.helpers import BAR_HEADER, write_csv
from tickwire.data import BarChunk, read_bars, read_ticks
from tickwire.data._merge import merge_chunks


def test_files_merge_in_time_order_with_ties_in_path_order(tmp_path: Path) -> None:
    header = BAR_HEADER + ",instrument"
    a = write_csv(tmp_path, "A.csv", header, "1,1,1,1,1,1,A", "3,2,2,2,2,2,A", "3,3,3,3,3,3,A2")
    b = write_csv(tmp_path, "B.csv", BAR_HEADER, "2,1,1,1,1,1", "3,4,4,4,4,4", "4,5,5,5,5,5")
    order = [(b.ts_event_ns // 10**9, b.instrument, b.open) for b in read_bars([b, a])]
    assert order == [
        (1, "A", 1.0),
        (2, "B", 1.0),
        (3, "B", 4.0),  # B was given first, so it wins the tie at t=3
        (3, "A", 2.0),
        (3, "A2", 3.0),
        (4, "B", 5.0),
    ]


def test_instruments_in_one_file_keep_row_order_on_ties(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "mixed.csv",
        BAR_HEADER + ",instrument",
        "1,1,1,1,1,1,Y",
        "1,1,1,1,1,1,X",
        "2,1,1,1,1,1,X",
    )
    assert [b.instrument for b in read_bars(path)] == ["Y", "X", "X"]


def test_ticks_merge_too(tmp_path: Path) -> None:
    a = write_csv(tmp_path, "A.csv", "ts,bid,ask", "1,1,2", "3,1,2")
    b = write_csv(tmp_path, "B.csv", "ts,bid,ask", "2,1,2")
    assert [t.instrument for t in read_ticks([a, b])] == ["A", "B", "A"]


def test_report_lists_files_in_given_order(tmp_path: Path) -> None:
    a = write_csv(tmp_path, "A.csv", BAR_HEADER, "1,1,1,1,1,1")
    b = write_csv(tmp_path, "B.csv", BAR_HEADER, "2000,1,1,1,1,1")
    source = read_bars([b, a])
    assert list(source) != []
    assert source.report.files == [str(b), str(a)]
    assert source.report.ts_units == {str(b): "s", str(a): "s"}
    assert source.report.rows == 2


def _chunks(ts: list[int], stream: int, sizes: list[int]) -> Iterator[BarChunk]:
    """``ts`` of one stream cut at ``sizes`` (empty chunks included), the rest in one chunk.

    ``open`` holds the stream number and ``close`` the row number, to check tie order.
    """
    start = 0
    for size in [*sizes, len(ts)]:
        n = len(ts[start : start + size])
        yield BarChunk(
            np.array(ts[start : start + n], dtype=np.int64),
            np.full(n, float(stream)),
            np.zeros(n),
            np.zeros(n),
            np.arange(start, start + n, dtype=np.float64),
            np.zeros(n),
            np.full(n, "x", dtype=object),
        )
        start += n


streams_strategy = st.lists(
    st.tuples(
        st.lists(st.integers(0, 6), max_size=25).map(sorted),
        st.lists(st.integers(0, 7), max_size=6),
    ),
    min_size=1,
    max_size=4,
)


@given(streams_strategy)
def test_merge_equals_a_stable_sort_whatever_the_chunking(
    streams: list[tuple[list[int], list[int]]],
) -> None:
    merged = list(merge_chunks([_chunks(ts, i, sizes) for i, (ts, sizes) in enumerate(streams)]))
    got = [
        (t, int(s), int(r))
        for c in merged
        for t, s, r in zip(c.ts.tolist(), c.open.tolist(), c.close.tolist(), strict=True)
    ]
    expected = sorted(
        ((t, i, r) for i, (ts, _) in enumerate(streams) for r, t in enumerate(ts)),
        key=lambda row: row[0],
    )
    assert got == expected
