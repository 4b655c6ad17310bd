"""Reading bars and quotes from CSV and Parquet into chunks and events."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.data.helpers import BAR_HEADER, write_csv
from tickwire.data import BarChunk, read_bars, read_ticks
from tickwire.events import Bar, Tick


def test_csv_bars_become_bar_events(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "ES.csv", BAR_HEADER, "1000,10,12,9,11,100", "2000,11,13,10.5,12.25,0"
    )
    bars = list(read_bars(path, interval="1s"))
    assert [(b.ts_event_ns, b.open, b.high, b.low, b.close, b.volume) for b in bars] == [
        (1000 * 10**9, 10.0, 12.0, 9.0, 11.0, 100.0),
        (2000 * 10**9, 11.0, 13.0, 10.5, 12.25, 0.0),
    ]
    assert all(type(b) is Bar and b.instrument == "ES" and b.interval == "1s" for b in bars)


def test_chunks_are_numpy_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "ES.csv", BAR_HEADER, "1000,10,12,9,11,100")
    (chunk,) = list(read_bars(path).chunks())
    assert isinstance(chunk, BarChunk)
    assert chunk.ts.dtype == np.int64 and chunk.open.dtype == np.float64
    assert chunk.volume.dtype == np.float64 and chunk.instrument.tolist() == ["ES"]


def test_instrument_from_column_parameter_or_stem(tmp_path: Path) -> None:
    with_column = write_csv(tmp_path, "a.csv", BAR_HEADER + ",instrument", "1,1,1,1,1,1,NQ")
    without = write_csv(tmp_path, "b.csv", BAR_HEADER, "1,1,1,1,1,1")
    assert [b.instrument for b in read_bars(with_column, instrument="X")] == ["NQ"]
    assert [b.instrument for b in read_bars(without, instrument="X")] == ["X"]
    assert [b.instrument for b in read_bars(without)] == ["b"]


def test_rows_of_one_instrument_share_its_name_object(tmp_path: Path) -> None:
    # One str object per name, not per row: less memory, and consumers (the portfolio)
    # can recognise the same instrument by identity.
    stem = write_csv(tmp_path, "b.csv", BAR_HEADER, "1,1,1,1,1,1", "2,1,1,1,1,1")
    column = write_csv(
        tmp_path, "c.csv", BAR_HEADER + ",instrument", "1,1,1,1,1,1,NQ", "2,1,1,1,1,1,NQ"
    )
    for path in (stem, column):
        first, second = read_bars(path)
        assert first.instrument is second.instrument


def test_header_is_case_insensitive_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "x.csv", '"TS", Open ,HIGH,note,Low,Close,Volume', "5,2,3,hello,1,2,7"
    )
    (bar,) = read_bars(path)
    assert (bar.ts_event_ns, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        5 * 10**9,
        2.0,
        3.0,
        1.0,
        2.0,
        7.0,
    )


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, "1,1,1,1,1,1", "", "2,1,1,1,1,1", "")
    assert [b.ts_event_ns for b in read_bars(path, ts_unit="s")] == [10**9, 2 * 10**9]


def test_header_only_file_is_empty(tmp_path: Path) -> None:
    source = read_bars(write_csv(tmp_path, "x.csv", BAR_HEADER))
    assert list(source) == []
    assert source.report.rows == 0


def test_source_is_reiterable_and_report_counts_rows(tmp_path: Path) -> None:
    source = read_bars(write_csv(tmp_path, "x.csv", BAR_HEADER, "1,1,1,1,1,1", "2,1,1,1,1,1"))
    assert len(list(source)) == 2
    assert len(list(source)) == 2
    assert source.report.rows == 2
    assert source.report.bad_rows == 0


def test_ticks_from_csv_with_and_without_sizes(tmp_path: Path) -> None:
    full = write_csv(tmp_path, "EURUSD.csv", "ts,bid,ask,bid_size,ask_size", "1,1.1,1.2,5,6")
    bare = write_csv(tmp_path, "GBPUSD.csv", "ts,bid,ask", "2,1.3,1.4")
    ticks = list(read_ticks([full, bare]))
    assert all(type(t) is Tick for t in ticks)
    assert [(t.instrument, t.bid, t.ask, t.bid_size, t.ask_size) for t in ticks] == [
        ("EURUSD", 1.1, 1.2, 5.0, 6.0),
        ("GBPUSD", 1.3, 1.4, 0.0, 0.0),
    ]


def test_tick_chunks(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "q.csv", "ts,bid,ask,instrument", "1,1,2,A", "2,3,4,B")
    (chunk,) = list(read_ticks(path).chunks())
    assert chunk.bid.tolist() == [1.0, 3.0] and chunk.instrument.tolist() == ["A", "B"]


def test_parquet_with_native_timestamps_and_dictionary_instrument(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    table = pa.table(
        {
            "ts": pa.array([1_000, 2_000], pa.timestamp("ms", tz="UTC")),
            "open": [1.0, 2.0],
            "high": [2, 3],  # integers are accepted as prices
            "low": [0.5, 1.5],
            "close": [1.5, 2.5],
            "volume": [10.0, 20.0],
            "instrument": pa.array(["A", "B"]).dictionary_encode(),
        }
    )
    pq.write_table(table, path)
    source = read_bars(path)
    bars = list(source)
    assert [(b.ts_event_ns, b.instrument, b.high) for b in bars] == [
        (10**9, "A", 2.0),
        (2 * 10**9, "B", 3.0),
    ]
    assert source.report.ts_units == {str(path): "ms"}


def test_parquet_with_epoch_integers_and_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "ES.pq"
    table = pa.table(
        {
            "ts": pa.array([1_700_000_000_000], pa.int64()),
            "open": ["1"],
            "high": ["2"],
            "low": ["0.5"],
            "close": ["1.5"],
            "volume": ["3"],
        }
    )
    pq.write_table(table, path)
    source = read_bars(path)
    (bar,) = list(source)
    assert (bar.ts_event_ns, bar.instrument, bar.low) == (1_700_000_000_000 * 10**6, "ES", 0.5)
    assert source.report.ts_units == {str(path): "ms"}


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(read_bars(tmp_path / "nope.csv"))


def test_no_paths_and_bad_unit_are_rejected_up_front() -> None:
    with pytest.raises(ValueError, match="no paths"):
        read_bars([])
    with pytest.raises(ValueError, match="ts_unit"):
        read_bars("x.csv", ts_unit="minutes")


def test_parquet_dates_are_midnight_utc(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    columns = {"open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0], "volume": [1.0]}
    pq.write_table(pa.table({"ts": pa.array([date(2024, 1, 1)]), **columns}), path)
    source = read_bars(path)
    assert [b.ts_event_ns for b in source] == [1_704_067_200 * 10**9]
    assert source.report.ts_units == {str(path): "date"}


def test_spaces_and_quotes_around_values_are_ignored(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "x.csv",
        BAR_HEADER + ",instrument",
        ' 1700000000 , 101 ,"102", "100" ,101.5,  7,"ES"',
        '"1700000060",101,102,100,101,8, ES ',
    )
    bars = list(read_bars(path))
    assert [(b.ts_event_ns // 10**9, b.open, b.high, b.low, b.close, b.volume) for b in bars] == [
        (1_700_000_000, 101.0, 102.0, 100.0, 101.5, 7.0),
        (1_700_000_060, 101.0, 102.0, 100.0, 101.0, 8.0),
    ]
    assert [b.instrument for b in bars] == ["ES", "ES"]
    assert bars[0].instrument is bars[1].instrument


def test_a_stray_quote_spoils_only_its_own_row(tmp_path: Path) -> None:
    rows = [f"{1_700_000_000 + 60 * i},101,102,100,101,1" for i in range(50)]
    rows[20] = rows[20].replace(",101,", ',"101,', 1)  # line 22: an opening quote, never closed
    source = read_bars(write_csv(tmp_path, "ES.csv", BAR_HEADER, *rows), skip_bad_rows=True)
    assert len(list(source)) == 49
    assert [(b.line, b.column) for b in source.report.first_bad] == [(22, "open")]


def test_a_source_declares_its_instruments_when_no_file_has_the_column(tmp_path: Path) -> None:
    plain = write_csv(tmp_path, "ES.csv", BAR_HEADER, "1700000000,101,102,100,101,1")
    named = write_csv(tmp_path, "mixed.csv", BAR_HEADER + ",instrument", "1,1,1,1,1,1,NQ")
    table = pa.table({"ts": [1], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]})
    parquet = tmp_path / "CL.parquet"
    pq.write_table(table.append_column("volume", pa.array([1.0])), parquet)
    assert read_bars(plain).instruments == ("ES",)
    assert read_bars([plain, parquet]).instruments == ("ES", "CL")
    assert read_bars([plain, parquet], instrument="X").instruments == ("X",)
    assert read_bars([plain, named]).instruments is None  # the names are in the rows
    assert read_bars(tmp_path / "missing.csv").instruments is None
