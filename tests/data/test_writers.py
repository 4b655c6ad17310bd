"""Writing bars to CSV and Parquet, and reading them back unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.data import read_bars, synthetic_bars, write_bars_csv, write_bars_parquet
from tickwire.events import Bar

prices = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def bar_lists(draw: st.DrawFn) -> list[Bar]:
    """Valid bars in time order, timestamps at nanosecond precision, a few instruments
    (at most one bar per instrument and time: a second one is a bad row)."""
    n = draw(st.integers(0, 30))
    steps = draw(st.lists(st.integers(0, 10**12), min_size=n, max_size=n))
    ts = draw(st.integers(0, 2 * 10**18))
    bars = []
    taken = set()
    for step in steps:
        ts += step
        instrument = draw(st.sampled_from(["A", "BB", "C-1"]))
        if (instrument, ts) in taken:
            continue
        taken.add((instrument, ts))
        a, b, c, d = sorted(draw(st.lists(prices, min_size=4, max_size=4)))
        open_, close = draw(st.permutations([b, c]))
        bars.append(
            Bar(
                ts_event_ns=ts,
                instrument=instrument,
                open=open_,
                high=d,
                low=a,
                close=close,
                volume=draw(st.floats(0, 1e12)),
            )
        )
    return bars


def _rows(bars: list[Bar]) -> list[tuple[object, ...]]:
    return [(b.ts_event_ns, b.instrument, b.open, b.high, b.low, b.close, b.volume) for b in bars]


@settings(max_examples=40)
@given(bar_lists(), st.sampled_from(["csv-ns", "csv-iso", "parquet"]))
def test_write_then_read_gives_the_same_bars(bars: list[Bar], kind: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        if kind == "parquet":
            path = Path(folder) / "bars.parquet"
            written = write_bars_parquet(path, bars)
        else:
            path = Path(folder) / "bars.csv"
            written = write_bars_csv(path, bars, ts_format=kind.removeprefix("csv-"))
        assert written == len(bars)
        # Tiny epochs are ambiguous to unit detection, so name the unit written.
        assert _rows(list(read_bars(path, ts_unit="ns"))) == _rows(bars)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_epoch_formats_round_trip_and_report_their_unit(tmp_path: Path, unit: str) -> None:
    bars = synthetic_bars(50, seed=4, start="2024-01-01", interval="1m")
    path = tmp_path / "bars.csv"
    write_bars_csv(path, bars, ts_format=unit)
    source = read_bars(path, interval="1m")
    assert _rows(list(source)) == _rows(list(bars))
    assert source.report.ts_units == {str(path): unit}


def test_lossy_epoch_format_is_refused(tmp_path: Path) -> None:
    bar = Bar(ts_event_ns=1_500, instrument="A", open=1, high=1, low=1, close=1)
    with pytest.raises(ValueError, match="finer"):
        write_bars_csv(tmp_path / "x.csv", [bar], ts_format="us")
    with pytest.raises(ValueError, match="ts_format"):
        write_bars_csv(tmp_path / "x.csv", [bar], ts_format="minutes")


def test_without_instrument_column_the_stem_names_bars(tmp_path: Path) -> None:
    path = tmp_path / "ZZ.csv"
    write_bars_csv(path, synthetic_bars(3, instrument="A"), include_instrument=False)
    assert path.read_text().splitlines()[0].replace('"', "") == "ts,open,high,low,close,volume"
    assert {b.instrument for b in read_bars(path)} == {"ZZ"}


def test_writing_nothing_gives_a_readable_empty_file(tmp_path: Path) -> None:
    for path, write in (
        (tmp_path / "e.csv", write_bars_csv),
        (tmp_path / "e.pq", write_bars_parquet),
    ):
        assert write(path, []) == 0
        assert list(read_bars(path)) == []


def test_instrument_with_a_comma_is_refused_not_corrupted(tmp_path: Path) -> None:
    bar = Bar(ts_event_ns=1, instrument="A,B", open=1, high=1, low=1, close=1)
    with pytest.raises(ValueError, match="structural"):
        write_bars_csv(tmp_path / "x.csv", [bar])
