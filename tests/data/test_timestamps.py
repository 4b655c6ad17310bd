"""Timestamps: ISO 8601 text and epoch numbers with given or detected units."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.data.helpers import BAR_HEADER, write_csv
from tickwire.data import DataError, read_bars
from tickwire.data._timestamps import detect_unit

JAN_2024 = 1_704_067_200  # 2024-01-01T00:00:00Z in seconds


def _first_ts(path: Path, ts_unit: str = "auto") -> tuple[int, str]:
    source = read_bars(path, ts_unit=ts_unit)
    (bar,) = list(source)
    return bar.ts_event_ns, source.report.ts_units[str(path)]


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (str(JAN_2024), "s"),
        (str(JAN_2024 * 1_000), "ms"),
        (str(JAN_2024 * 1_000_000), "us"),
        (str(JAN_2024 * 1_000_000_000), "ns"),
        (f"{JAN_2024}.5", "s"),
    ],
)
def test_epoch_unit_is_detected_and_reported(tmp_path: Path, value: str, unit: str) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, f"{value},1,1,1,1,1")
    ts, reported = _first_ts(path)
    expected = JAN_2024 * 10**9 + (500_000_000 if value.endswith(".5") else 0)
    assert (ts, reported) == (expected, unit)


def test_given_unit_overrides_detection(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, "1000,1,1,1,1,1")
    assert _first_ts(path, ts_unit="ms") == (10**9, "ms")
    assert _first_ts(path, ts_unit="ns") == (1000, "ns")


@pytest.mark.parametrize(
    ("text", "expected_ns"),
    [
        ("2024-01-01", JAN_2024 * 10**9),
        ("2024-01-01T00:00:00", JAN_2024 * 10**9),
        ("2024-01-01 00:00:00", JAN_2024 * 10**9),
        ("2024-01-01T00:00:00Z", JAN_2024 * 10**9),
        ("2024-01-01T01:30:00+01:30", JAN_2024 * 10**9),
        ("2023-12-31T19:00:00-05:00", JAN_2024 * 10**9),
        ("2024-01-01T00:00:00.123456789Z", JAN_2024 * 10**9 + 123_456_789),
    ],
)
def test_iso_timestamps_naive_means_utc(tmp_path: Path, text: str, expected_ns: int) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, f"{text},1,1,1,1,1")
    assert _first_ts(path) == (expected_ns, "iso")


def test_naive_and_zoned_iso_mixed_in_one_file(tmp_path: Path) -> None:
    rows = ["2024-01-01T00:00:00,1,1,1,1,1", "2024-01-01T00:00:01Z,1,1,1,1,1"]
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, *rows)
    assert [b.ts_event_ns for b in read_bars(path)] == [JAN_2024 * 10**9, (JAN_2024 + 1) * 10**9]


def test_first_value_fixes_the_format_of_a_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, "1704067200,1,1,1,1,1", "2024-01-02,1,1,1,1,1")
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    assert (caught.value.line, caught.value.column) == (3, "ts")
    assert "'2024-01-02' is not a valid timestamp" in str(caught.value)


def test_exact_integers_survive_a_chunk_with_float_epochs(tmp_path: Path) -> None:
    big = 1_704_067_200_123_456_789  # not representable as a float64
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, f"{big},1,1,1,1,1", "1.8e18,1,1,1,1,1")
    assert [b.ts_event_ns for b in read_bars(path)] == [big, 1_800_000_000_000_000_000]


def test_epoch_out_of_int64_range_is_bad(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, "10000000000000000,1,1,1,1,1")
    with pytest.raises(DataError, match="not a valid timestamp"):
        list(read_bars(path, ts_unit="s"))


@given(st.integers(min_value=100_000_000, max_value=4_000_000_000))
def test_detected_unit_recovers_seconds_scaled_to_any_unit(seconds: int) -> None:
    # Any instant from 1973 to 2096 is recognised at every scale.
    for unit, factor in (("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)):
        assert detect_unit(seconds * factor) == unit


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01T00:00:00z",
        "2024-01-01t00:00:00Z",
        "2024-01-01t00:00:00z",
        " 2024-01-01T00:00:00Z ",
        '"2024-01-01T00:00:00Z"',
        "2024-01-01T01:00:00+01:00",
    ],
)
def test_iso_text_in_other_spellings_is_accepted(tmp_path: Path, text: str) -> None:
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, f"{text},1,1,1,1,1")
    assert _first_ts(path) == (JAN_2024 * 10**9, "iso")


def test_lower_case_zone_among_other_rows(tmp_path: Path) -> None:
    rows = ["2024-01-01T00:00:00Z", "2024-01-01T00:01:00z", "2024-01-01 00:02:00", "x"]
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, *(f"{r},1,1,1,1,1" for r in rows))
    source = read_bars(path, skip_bad_rows=True)
    assert [b.ts_event_ns // 10**9 - JAN_2024 for b in source] == [0, 60, 120]
    assert [(b.line, b.reason) for b in source.report.first_bad] == [
        (5, "'x' is not a valid timestamp")
    ]


def test_the_format_comes_from_the_first_value_that_has_one(tmp_path: Path) -> None:
    # A damaged first value must not make every later epoch a bad ISO time.
    rows = ["17x4067200", str(JAN_2024 + 60), str(JAN_2024 + 120)]
    path = write_csv(tmp_path, "x.csv", BAR_HEADER, *(f"{r},1,1,1,1,1" for r in rows))
    source = read_bars(path, skip_bad_rows=True)
    assert [b.ts_event_ns // 10**9 - JAN_2024 for b in source] == [60, 120]
    assert source.report.ts_units == {str(path): "s"}
    assert [b.line for b in source.report.first_bad] == [2]
