"""The bundled sample data: present, small, readable, and exactly what the seed produces."""

from __future__ import annotations

import itertools
from pathlib import Path

from tickwire.data import SAMPLE_INSTRUMENTS, read_bars, sample_data_paths
from tickwire.data._samples import write_sample_data


def test_sample_files_exist_and_are_small() -> None:
    paths = sample_data_paths()
    assert [p.stem for p in paths] == list(SAMPLE_INSTRUMENTS)
    assert all(p.is_file() for p in paths)
    assert sum(p.stat().st_size for p in paths) < 300_000


def test_samples_read_cleanly_as_two_merged_daily_series() -> None:
    source = read_bars(sample_data_paths(), interval="1d")
    bars = list(source)
    assert source.report.bad_rows == 0
    assert {b.instrument for b in bars} == set(SAMPLE_INSTRUMENTS)
    assert len(bars) == 2 * 2_000
    assert all(a.ts_event_ns <= b.ts_event_ns for a, b in itertools.pairwise(bars))


def test_samples_match_their_seeded_generator(tmp_path: Path) -> None:
    fresh = write_sample_data(tmp_path)
    for bundled, rebuilt in zip(sample_data_paths(), fresh, strict=True):
        assert bundled.read_bytes() == rebuilt.read_bytes()
