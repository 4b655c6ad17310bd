"""Streaming: long inputs pass through in chunks, never all in memory at once."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import pytest

from tickwire.data import read_bars, synthetic_bars, write_bars_csv, write_bars_parquet

ROWS = 200_000
# 200k Bar objects alone take over 50 MB; a chunk's worth of them a few MB.
PEAK_LIMIT = 8_000_000


def _peak_while_counting(items: Iterable[object]) -> tuple[int, int]:
    """(items seen, peak traced bytes) while iterating without keeping anything."""
    tracemalloc.start()
    try:
        count = 0
        for _ in items:
            count += 1
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def big_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("big")
    bars = synthetic_bars(ROWS, seed=5)
    files = {"csv": folder / "big.csv", "parquet": folder / "big.parquet"}
    write_bars_csv(files["csv"], bars)
    write_bars_parquet(files["parquet"], bars)
    return files


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_reading_a_large_file_keeps_memory_flat(big_files: dict[str, Path], kind: str) -> None:
    count, peak = _peak_while_counting(read_bars(big_files[kind]))
    assert count == ROWS
    assert peak < PEAK_LIMIT


def test_synthetic_bars_stream_with_flat_memory() -> None:
    count, peak = _peak_while_counting(synthetic_bars(ROWS, seed=5))
    assert count == ROWS
    assert peak < PEAK_LIMIT


def test_merging_two_large_files_keeps_memory_flat(big_files: dict[str, Path]) -> None:
    count, peak = _peak_while_counting(read_bars([big_files["csv"], big_files["parquet"]]))
    assert count == 2 * ROWS
    assert peak < PEAK_LIMIT


def _peak_rss_mb(path: Path) -> float:
    """Peak RSS of a fresh process that reads every bar of ``path`` (Arrow's buffers and
    read-ahead included, which tracemalloc does not see)."""
    code = (
        "import resource, sys; from tickwire.data import read_bars; "
        "n = sum(1 for _ in read_bars(sys.argv[1])); "
        "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    return float(out.stdout.split()[1])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path, kind: str) -> None:
    peaks = []
    for rows in (100_000, 1_200_000):
        path = tmp_path / f"bars{rows}.{kind}"
        bars = synthetic_bars(rows, seed=2, decimals=4)
        (write_bars_csv if kind == "csv" else write_bars_parquet)(path, bars)
        peaks.append(_peak_rss_mb(path))
    # Parquet's pre-buffering held whole row groups: +50 MB for these 1.1 M more rows.
    assert peaks[1] - peaks[0] < 12, peaks
