"""Streaming: long inputs pass through in chunks, never all in memory at once."""

from __future__ import annotations

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
