"""Bad rows: DataError naming file, line and column, or skipped and reported."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.data.helpers import BAR_HEADER, write_csv
from tickwire.data import MAX_BAD_SAMPLES, BadRow, DataError, read_bars, read_ticks

GOOD = "1,10,12,9,11,100"


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("x,10,12,9,11,100", "ts", "'x' is not a valid timestamp"),
        ("2,abc,12,9,11,100", "open", "cannot parse 'abc' as a number"),
        ("2,10,12,9,11,", "volume", "empty field"),
        ("2,10,12,9,nan,100", "close", "NaN or infinite value nan"),
        ("2,10,inf,9,11,100", "high", "NaN or infinite value inf"),
        ("2,10,12,9,11,-1", "volume", "negative volume -1.0"),
        ("2,10,8,9,9,100", "high", "high 8.0 is below low 9.0"),
        ("2,13,12,9,11,100", "open", "open 13.0 is outside [9.0, 12.0]"),
        ("2,10,12,9,8.5,100", "close", "close 8.5 is outside [9.0, 12.0]"),
        ("0,10,12,9,11,100", "ts", "time goes backwards"),
        ("2,10,12,9,11", None, "expected 6 fields, found 5"),
        ("2,10,12,9,11,100,7", None, "expected 6 fields, found 7"),
    ],
)
def test_bad_bar_row_raises_with_file_line_and_column(
    tmp_path: Path, row: str, column: str | None, reason: str
) -> None:
    path = write_csv(tmp_path, "bad.csv", BAR_HEADER, GOOD, "", row, GOOD.replace("1,", "3,", 1))
    with pytest.raises(DataError) as caught:
        list(read_bars(path, ts_unit="s"))
    error = caught.value
    # Header is line 1, GOOD line 2, a blank line 3: the bad row is line 4.
    assert (error.path, error.line, error.column) == (str(path), 4, column)
    assert reason in error.reason
    assert str(error).startswith(f"{path}, line 4")
    assert str(path) in str(error) and reason in str(error)


def test_first_failing_check_is_the_reason(tmp_path: Path) -> None:
    # Unparseable open also makes the row fail the range rules; the parse error wins.
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, "1,?,1,2,1,-5")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert caught.value.column == "open"
    assert "cannot parse '?'" in caught.value.reason


def test_earliest_bad_line_is_reported_even_if_malformed(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, GOOD, "2,1", "3,x,1,1,1,1")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (3, None)


def test_missing_column_names_header_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", "ts,open,high,low,close", "1,1,1,1,1")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (1, "volume")
    assert "missing column" in str(caught.value)


def test_duplicate_and_empty_headers(tmp_path: Path) -> None:
    dup = write_csv(tmp_path, "dup.csv", BAR_HEADER + ",open", "1,1,1,1,1,1,1")
    with pytest.raises(DataError, match="appears twice"):
        list(read_bars(dup))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty file"):
        list(read_bars(empty))


def test_empty_instrument_is_bad(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER + ",instrument", "1,1,1,1,1,1,A", "2,1,1,1,1,1,")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column, caught.value.reason) == (
        3,
        "instrument",
        "empty field",
    )


def test_skip_mode_counts_and_keeps_first_bad_lines(tmp_path: Path) -> None:
    rows = [f"{i},10,12,9,11,100" for i in range(1, 21)]
    rows[2] = "3,10,12,9,11,-1"  # line 4
    rows[5] = "6,1"  # line 7, malformed
    rows[6] = "7,x,12,9,11,100"  # line 8
    rows[9] = "1,10,12,9,11,100"  # line 11, back in time
    rows[12] = "13,10,8,9,9,100"  # line 14
    rows[15] = "16,10,12,9,11,inf"  # line 17, beyond the kept samples
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, *rows)
    source = read_bars(path, skip_bad_rows=True)
    kept = [b.ts_event_ns // 10**9 for b in source]
    assert kept == [i for i in range(1, 21) if i not in (3, 6, 7, 10, 13, 16)]
    report = source.report
    assert report.rows == 14
    assert report.bad_rows == 6
    assert len(report.first_bad) == MAX_BAD_SAMPLES == 5
    assert [(b.line, b.column) for b in report.first_bad] == [
        (4, "volume"),
        (7, None),
        (8, "open"),
        (11, "ts"),
        (14, "high"),
    ]
    assert all(isinstance(b, BadRow) and b.path == str(path) for b in report.first_bad)


def test_skipped_backwards_row_does_not_lower_the_bar(tmp_path: Path) -> None:
    # Quotes, since two bars of one instrument at one time are bad rows of their own.
    rows = ["10,1,2", "5,1,2", "7,1,2", "10,1,2", "11,1,2"]
    source = read_ticks(write_csv(tmp_path, "x.csv", "ts,bid,ask", *rows), skip_bad_rows=True)
    assert [t.ts_event_ns // 10**9 for t in source] == [10, 10, 11]
    assert source.report.bad_rows == 2


def test_time_order_is_checked_across_chunks(tmp_path: Path) -> None:
    rows = [f"{i},1,1,1,1,1" for i in range(1, 60_001)]
    rows[50_000] = "5,1,1,1,1,1"  # far beyond the first 1 MiB block
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, *rows)
    with pytest.raises(DataError) as caught:
        sum(len(c) for c in read_bars(path).chunks())
    assert (caught.value.line, caught.value.column) == (50_002, "ts")


def test_malformed_line_numbers_stay_right_across_chunks(tmp_path: Path) -> None:
    rows = [f"{i},1,1,1,1,1" for i in range(1, 60_001)]
    rows[100] = "x"  # line 102
    rows[10_000] = ""  # line 10_002, blank: ignored
    rows[50_000] = "50001,1,1,1,1,oops"  # line 50_002
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, *rows)
    source = read_bars(path, skip_bad_rows=True)
    total = sum(len(c) for c in source.chunks())
    assert total == 60_000 - 3
    assert source.report.bad_rows == 2
    assert [(b.line, b.column) for b in source.report.first_bad] == [
        (102, None),
        (50_002, "volume"),
    ]


def test_bad_ticks(tmp_path: Path) -> None:
    header = "ts,bid,ask,bid_size,ask_size"
    cases = (("2,1.2,1.1,1,1", "ask"), ("2,1,2,-1,1", "bid_size"), ("2,1,2,1,-3", "ask_size"))
    for row, column in cases:
        path = write_csv(tmp_path, "q.csv", header, "1,1,2,1,1", row)
        with pytest.raises(DataError) as caught:
            list(read_ticks(path))
        assert (caught.value.line, caught.value.column) == (3, column)


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    table = pa.table(
        {
            "ts": [1, 2, 3],
            "open": [1.0, None, 1.0],
            "high": [1.0, 1.0, 1.0],
            "low": [1.0, 1.0, 1.0],
            "close": [1.0, 1.0, 1.0],
            "volume": [1.0, 1.0, -1.0],
        }
    )
    pq.write_table(table, path)
    with pytest.raises(DataError) as caught:
        list(read_bars(path, ts_unit="s"))
    assert str(caught.value) == f"{path}, row 2, column 'open': missing value"
    source = read_bars(path, ts_unit="s", skip_bad_rows=True)
    assert [b.ts_event_ns for b in source] == [10**9]
    assert [(b.line, b.unit, b.column) for b in source.report.first_bad] == [
        (2, "row", "open"),
        (3, "row", "volume"),
    ]


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_text("hello")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        list(read_bars(path))


def test_unconvertible_parquet_column_type_names_the_column(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    columns = {"ts": [1], "open": [1.0], "high": [1.0], "low": [1.0], "close": [1.0]}
    pq.write_table(pa.table({**columns, "volume": pa.array([[1.0]])}), path)
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert caught.value.column == "volume"
    assert caught.value.reason.startswith("cannot convert a column of type list<")
