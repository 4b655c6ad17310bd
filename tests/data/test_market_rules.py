"""The market-data rules of ``events.market_data_problem``, applied row by row by the readers."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.data.helpers import BAR_HEADER, write_csv
from tickwire.data import BarSource, DataError, TickSource, read_bars, read_ticks
from tickwire.data._parquet import BATCH_ROWS
from tickwire.events import market_data_problem

GOOD = "1,10,12,9,11,100"


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("2,0,12,0,11,100", "open", "0.0"),
        ("2,10,12,-1,11,100", "low", "-1.0"),
        ("2,-3,-1,-4,-2,100", "open", "-3.0"),
        ("2,-0.0,0,-0.0,0,1", "open", "-0.0"),
    ],
)
def test_bar_prices_must_be_above_zero(tmp_path: Path, row: str, column: str, value: str) -> None:
    path = write_csv(tmp_path, "ES.csv", BAR_HEADER, GOOD, row)
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (3, column)
    assert caught.value.reason == (
        f"{column} {value} is not above 0 (allow_nonpositive_prices=True accepts it)"
    )


@pytest.mark.parametrize(("row", "column"), [("2,0,1.2", "bid"), ("2,-1.3,-1.2", "bid")])
def test_quote_prices_must_be_above_zero(tmp_path: Path, row: str, column: str) -> None:
    path = write_csv(tmp_path, "EURUSD.csv", "ts,bid,ask", "1,1.1,1.2", row)
    with pytest.raises(DataError) as caught:
        list(read_ticks(path))
    assert (caught.value.line, caught.value.column) == (3, column)
    assert "is not above 0" in caught.value.reason


def test_nonpositive_prices_can_be_allowed_and_the_other_rules_still_hold(tmp_path: Path) -> None:
    bars = write_csv(tmp_path, "CL.csv", BAR_HEADER, "1,-3,-1,-40,-37.6,100", "2,0,1,-1,0,5")
    for source in (
        read_bars(bars, allow_nonpositive_prices=True),
        BarSource(bars, allow_nonpositive_prices=True),
    ):
        read = list(source)
        assert [b.close for b in read] == [-37.6, 0.0]
        assert all(market_data_problem(b, allow_nonpositive_prices=True) is None for b in read)
    crossed = write_csv(tmp_path, "X.csv", BAR_HEADER, "1,-3,-5,-4,-4,1")
    with pytest.raises(DataError, match=r"high -5\.0 is below low -4\.0"):
        list(read_bars(crossed, allow_nonpositive_prices=True))
    quotes = write_csv(tmp_path, "SPREAD.csv", "ts,bid,ask,bid_size", "1,-0.5,0,1", "2,-0.2,-0.3,1")
    with pytest.raises(DataError, match="below bid"):
        list(read_ticks(quotes, allow_nonpositive_prices=True))
    source = TickSource(quotes, allow_nonpositive_prices=True, skip_bad_rows=True)
    assert [(t.bid, t.ask) for t in source] == [(-0.5, 0.0)]


def test_two_bars_of_one_instrument_at_one_time_are_a_bad_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "ES.csv", BAR_HEADER, GOOD, "2,10,12,9,11,100", "2,10,12,9,10,7")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (4, "ts")
    assert caught.value.reason == (
        "a second bar of ES at 1970-01-01T00:00:02.000000000Z (the first is line 3)"
    )
    source = read_bars(path, skip_bad_rows=True)
    assert [(b.ts_event_ns // 10**9, b.close) for b in source] == [(1, 11.0), (2, 11.0)]
    assert source.report.bad_rows == 1


def test_bars_of_different_instruments_may_share_a_time(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "mixed.csv",
        BAR_HEADER + ",instrument",
        "1,1,1,1,1,1,ES",
        "1,1,1,1,1,1,NQ",
        "1,1,1,1,1,1,YM",
        "2,1,1,1,1,1,NQ",
        "2,1,1,1,1,1,ES",
        "2,1,1,1,1,1,NQ",  # line 7: NQ's second bar at t=2
    )
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert caught.value.line == 7
    assert caught.value.reason.startswith("a second bar of NQ at")
    assert caught.value.reason.endswith("(the first is line 5)")
    source = read_bars(path, skip_bad_rows=True)
    assert [b.instrument for b in source] == ["ES", "NQ", "YM", "NQ", "ES"]


def test_names_that_differ_only_in_spaces_are_one_instrument(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "x.csv", BAR_HEADER + ",instrument", "1,1,1,1,1,1,ES", "1,1,1,1,1,1, ES "
    )
    with pytest.raises(DataError, match="a second bar of ES"):
        list(read_bars(path))


def test_a_second_bar_is_found_across_batches(tmp_path: Path) -> None:
    # The last row of the first batch and the first of the second share a time.
    rows = BATCH_ROWS + 10
    ts = list(range(1, rows + 1))
    ts[BATCH_ROWS] = ts[BATCH_ROWS - 1]
    columns = {"open": [1.0] * rows, "high": [1.0] * rows, "low": [1.0] * rows}
    table = pa.table({"ts": ts, **columns, "close": [1.0] * rows, "volume": [1.0] * rows})
    path = tmp_path / "ES.parquet"
    pq.write_table(table, path)
    with pytest.raises(DataError) as caught:
        sum(len(c) for c in read_bars(path, ts_unit="s").chunks())
    assert (caught.value.line, caught.value.column) == (BATCH_ROWS + 1, "ts")
    assert str(caught.value).endswith(f"(the first is row {BATCH_ROWS})")


def test_quotes_may_share_a_nanosecond_and_keep_their_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "EURUSD.csv", "ts,bid,ask", "1000,1.1,1.2", "1000,1.1,1.3", "1000,1.0,1.3"
    )
    ticks = list(read_ticks(path, ts_unit="ns"))
    assert [(t.ts_event_ns, t.bid, t.ask) for t in ticks] == [
        (1000, 1.1, 1.2),
        (1000, 1.1, 1.3),
        (1000, 1.0, 1.3),
    ]


def test_a_line_of_empty_fields_is_a_bad_row_but_a_blank_line_is_not(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "ES.csv", BAR_HEADER, GOOD, "", ",,,,,", "", "3,10,12,9,11,100")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column, caught.value.reason) == (4, "ts", "empty field")
    source = read_bars(path, skip_bad_rows=True)
    assert [b.ts_event_ns // 10**9 for b in source] == [1, 3]
    assert source.report.bad_rows == 1
    assert source.report.first_bad[0].line == 4


def test_empty_field_lines_are_told_from_blank_lines_far_into_a_file(tmp_path: Path) -> None:
    rows = [f"{i},1,1,1,1,1" for i in range(1, 80_001)]
    rows[10] = ""  # line 12, blank
    rows[40_000] = ",,,,,"  # line 40_002, beyond the first parse blocks
    rows[70_000] = ""  # line 70_002, blank
    rows[70_001] = ",,,,,"  # line 70_003
    source = read_bars(write_csv(tmp_path, "ES.csv", BAR_HEADER, *rows, ""), skip_bad_rows=True)
    assert sum(len(c) for c in source.chunks()) == 80_000 - 4
    assert [b.line for b in source.report.first_bad] == [40_002, 70_003]


def test_bool_columns_are_refused_naming_column_and_type(tmp_path: Path) -> None:
    prices = {"high": [2.0], "low": [1.0], "close": [1.5], "volume": [1.0]}
    path = tmp_path / "ES.parquet"
    pq.write_table(pa.table({"ts": [1], "open": [True], **prices}), path)
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.path, caught.value.line, caught.value.column) == (str(path), None, "open")
    assert caught.value.reason.startswith("cannot convert a column of type bool")
    pq.write_table(pa.table({"ts": [True], "open": [1.5], **prices}), path)
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert caught.value.column == "ts"
    assert "type bool" in caught.value.reason


def test_integer_instruments_read_as_their_digits_other_types_are_refused(tmp_path: Path) -> None:
    bars = {"ts": [1, 2], "open": [1.0] * 2, "high": [1.0] * 2, "low": [1.0] * 2}
    bars |= {"close": [1.0] * 2, "volume": [1.0] * 2}
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({**bars, "instrument": pa.array([14593, 10107], pa.int32())}), path)
    assert [b.instrument for b in read_bars(path)] == ["14593", "10107"]
    encoded = pa.array([7, 7], pa.int64()).dictionary_encode()
    pq.write_table(pa.table({**bars, "instrument": encoded}), path)
    assert [b.instrument for b in read_bars(path)] == ["7", "7"]
    for values in (pa.array([1.0, 2.0]), pa.array([True, False]), pa.array([b"A", b"B"])):
        pq.write_table(pa.table({**bars, "instrument": values}), path)
        with pytest.raises(DataError) as caught:
            list(read_bars(path))
        assert caught.value.column == "instrument"
        assert caught.value.reason.startswith(f"cannot convert a column of type {values.type}")
