"""Read throughput of tickwire.data: CSV and Parquet, as chunks and as Bar events.

Usage: python benchmarks/data_read.py [--rows N] [--dir DIR]

Writes N synthetic bars to a CSV and a Parquet file (in a temporary directory unless
--dir is given), then prints rows/s for reading each as columnar chunks and as Bar events,
and for the chunk-to-Bar conversion alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from tickwire.data import (
    BarSource,
    SyntheticBars,
    bars_from_chunks,
    read_bars,
    synthetic_bars,
    write_bars_csv,
    write_bars_parquet,
)


def _count(items: Iterable[object]) -> int:
    count = 0
    for _ in items:
        count += 1
    return count


def _chunk_rows(source: BarSource | SyntheticBars) -> int:
    return sum(len(chunk) for chunk in source.chunks())


def _rate(label: str, rows: int, run: Callable[[], int]) -> None:
    start = time.perf_counter()
    counted = run()
    elapsed = time.perf_counter() - start
    if counted != rows:
        raise RuntimeError(f"{label}: expected {rows} rows, got {counted}")
    print(f"{label:<34} {rows / elapsed:>14,.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        bars = synthetic_bars(args.rows, seed=1, instrument="BENCH")
        csv_path, parquet_path = folder / "bench.csv", folder / "bench.parquet"
        write_bars_csv(csv_path, bars)
        write_bars_parquet(parquet_path, bars)
        rows = args.rows
        for name, path in (("CSV", csv_path), ("Parquet", parquet_path)):
            source = read_bars(path)
            _rate(f"{name} -> chunks", rows, partial(_chunk_rows, source))
            _rate(f"{name} -> Bar events", rows, partial(_count, source))
        chunks = list(read_bars(parquet_path).chunks())
        _rate("chunks -> Bar events (in memory)", rows, lambda: _count(bars_from_chunks(chunks)))
        _rate("synthetic -> chunks", rows, partial(_chunk_rows, bars))


if __name__ == "__main__":
    main()
