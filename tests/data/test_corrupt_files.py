"""Damaged files: a DataError naming the file (and line or row), never another exception."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.data.helpers import BAR_HEADER
from tickwire.data import DataError, read_bars
from tickwire.data._csv import BLOCK_BYTES

GOOD = b"1700000000,101,102,100,101.5,10\n"
LATER = b"1700000060,101,102,100,101.5,10\n"


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_header_without_a_line_end_is_a_file_without_rows(tmp_path: Path) -> None:
    source = read_bars(_write(tmp_path, "ES.csv", BAR_HEADER.encode()))
    assert list(source) == []
    assert source.report.rows == 0
    short = _write(tmp_path, "short.csv", b"ts,open,high,low,close")
    with pytest.raises(DataError) as caught:
        list(read_bars(short))
    assert (caught.value.line, caught.value.column) == (1, "volume")


def test_header_that_is_not_utf8_names_line_1(tmp_path: Path) -> None:
    path = _write(tmp_path, "ES.csv", BAR_HEADER.encode() + b",n\xffte\n" + GOOD[:-1] + b",x\n")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.path, caught.value.line) == (str(path), 1)
    assert "not UTF-8" in caught.value.reason


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (b"1700000060,10\xff1,102,100,101.5,10", "open"),
        (b"17000\xe900060,101,102,100,101.5,10", "ts"),
        (b"1700000060,101,102,100,101.5,10,E\xffS", "instrument"),
        (b"1700000060,\xff", None),  # too few fields as well: the parser's error comes first
    ],
)
def test_bytes_that_are_not_utf8_make_a_bad_row(
    tmp_path: Path, row: bytes, column: str | None
) -> None:
    header = BAR_HEADER.encode() + b",instrument\n"
    rest = [GOOD[:-1] + b",ES\n", row + (b",ES\n" if column not in (None, "instrument") else b"\n")]
    path = _write(tmp_path, "x.csv", header + b"".join(rest) + LATER[:-1] + b",ES\n")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (3, column)
    source = read_bars(path, skip_bad_rows=True)
    assert [b.ts_event_ns // 10**9 for b in source] == [1_700_000_000, 1_700_000_060]
    assert source.report.bad_rows == 1


def test_a_byte_that_is_not_utf8_is_shown_as_a_replacement_character(tmp_path: Path) -> None:
    path = _write(tmp_path, "ES.csv", BAR_HEADER.encode() + b"\n" + b"1700000000,1\xff5,2,1,1,1\n")
    with pytest.raises(DataError, match="not UTF-8 text: '1\ufffd5'"):
        list(read_bars(path))


def test_a_line_longer_than_a_block_names_its_line(tmp_path: Path) -> None:
    huge = b"1700000030," + b"1" * (2 * BLOCK_BYTES) + b",1,1,1,1\n"
    path = _write(tmp_path, "ES.csv", BAR_HEADER.encode() + b"\n" + GOOD + huge + LATER * 9)
    for skip in (False, True):
        with pytest.raises(DataError) as caught:
            list(read_bars(path, skip_bad_rows=skip))
        assert (caught.value.path, caught.value.line) == (str(path), 3)
        assert "longer than 1,048,576 bytes" in caught.value.reason


def test_a_header_longer_than_the_limit_is_not_a_header(tmp_path: Path) -> None:
    header = BAR_HEADER.encode() + b"," + b"x" * (200 << 10) + b"\n"  # the limit is 128 KiB
    path = _write(tmp_path, "ES.csv", header + GOOD[:-1] + b",1\n")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (1, None)
    assert "header line longer than" in caught.value.reason


def _bars_parquet(rows: int, **options: object) -> bytes:
    low = [100.0 + i % 7 for i in range(rows)]
    table = pa.table(
        {
            "ts": pa.array([1_700_000_000 + 60 * i for i in range(rows)], pa.int64()),
            "open": low,
            "high": [x + 1 for x in low],
            "low": low,
            "close": low,
            "volume": [1.0] * rows,
            "instrument": ["ES", "NQ"] * (rows // 2),
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    return bytes(sink.getvalue().to_pybytes())


def test_truncated_parquet_names_the_file(tmp_path: Path) -> None:
    data = _bars_parquet(100)
    path = _write(tmp_path, "ES.parquet", data[: len(data) // 2])
    with pytest.raises(DataError) as caught:
        list(read_bars(path, skip_bad_rows=True))
    assert caught.value.path == str(path)
    assert "not a readable Parquet file" in caught.value.reason


def test_damaged_parquet_page_names_the_first_row_not_read(tmp_path: Path) -> None:
    data = bytearray(_bars_parquet(40_000, row_group_size=20_000, compression="none"))
    path = _write(tmp_path, "ES.parquet", bytes(data))
    column = pq.ParquetFile(path).metadata.row_group(1).column(1)  # "open"
    start = column.data_page_offset
    data[start : start + 16] = b"\xff" * 16  # the page header: undecodable
    path.write_bytes(bytes(data))
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.path, caught.value.column) == (str(path), None)
    assert caught.value.line is not None and caught.value.line > 1
    assert f"row {caught.value.line}" in str(caught.value)
    assert "cannot decode" in caught.value.reason


def _corrupt(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.choice(("flip", "insert", "delete", "truncate"))
    if kind == "truncate":
        return bytes(out[: rng.randrange(len(out))])
    at = rng.randrange(len(out))
    if kind == "flip":
        out[at] ^= 1 << rng.randrange(8)
    elif kind == "insert":
        out[at:at] = bytes([rng.randrange(256)])
    else:
        del out[at]
    return bytes(out)


def _csv_bars(rows: int) -> bytes:
    lines = [BAR_HEADER + ",instrument"]
    for i in range(rows):
        name = ("ES", "NQ")[i % 2]
        lines.append(
            f"{1_700_000_000 + 60 * (i // 2)},{100 + i % 5},{106 + i % 5},99,101,{i},{name}"
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_byte_corrupted_files_raise_data_error_or_read(tmp_path: Path, suffix: str) -> None:
    # Anything but a DataError (an OSError, ArrowInvalid, UnicodeDecodeError) fails here.
    valid = _csv_bars(60) if suffix == ".csv" else _bars_parquet(60, compression="none")
    rng = random.Random(10)
    outcomes = {"read": 0, "error": 0}
    for _ in range(150):
        path = _write(tmp_path, f"ES{suffix}", _corrupt(valid, rng))
        for skip in (False, True):
            try:
                list(read_bars(path, skip_bad_rows=skip))
            except DataError as exc:
                assert exc.path == str(path)
                outcomes["error"] += 1
            else:
                outcomes["read"] += 1
    assert outcomes["error"] > 0 and outcomes["read"] > 0
