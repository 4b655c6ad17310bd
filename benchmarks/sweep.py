"""Sweep speed: a grid of EMA-cross points on synthetic bars, on each engine.

Usage: python benchmarks/sweep.py [--points 200] [--bars 100000] [--skip-dask]

Prints, in one run: a plain loop of ``Backtest(...).run()`` in this process over the same
bars (built from columns held in memory, as sweep workers hold them), the sweep with one
worker (this process), with two local processes, and on a Dask LocalCluster of two
processes: wall time, points/s, the speed-up from one to two workers, and the per-point
overhead of the one-worker sweep against the plain loop.
"""

from __future__ import annotations

import argparse
import itertools
import time

from tickwire import Backtest
from tickwire.data import bars_from_chunks, synthetic_bars
from tickwire.strategy.ema_cross import EmaCross
from tickwire.sweep import Sweep

SEED = 42


def grid(points: int) -> dict[str, list[int]]:
    """An EMA grid of at least ``points`` points (fast x slow)."""
    fast = list(range(3, 23))
    slow = list(range(25, 25 + 5 * -(-points // len(fast)), 5))
    return {"fast": fast, "slow": slow}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    bars = synthetic_bars(args.bars, seed=SEED, gap_probability=0.3)
    the_grid = grid(args.points)
    points = [
        dict(zip(the_grid, combo, strict=True)) for combo in itertools.product(*the_grid.values())
    ]
    points = points[: args.points]
    sample = {
        "fast": sorted({p["fast"] for p in points}),
        "slow": sorted({p["slow"] for p in points}),
    }

    chunks = list(bars.chunks())
    start = time.perf_counter()
    for params in points:
        Backtest(EmaCross, bars_from_chunks(chunks), cash=1e12, params=params).run()
    plain = time.perf_counter() - start
    n = len(points)
    print(f"{n} points x {args.bars:,} bars")
    print(f"plain loop, one process   {plain:8.2f} s  {n / plain:7.2f} points/s")

    timings: dict[str, float] = {}
    engines = [("1 worker (this process)", "local", 1), ("2 local processes", "local", 2)]
    if not args.skip_dask:
        engines.append(("dask, 2 worker processes", "dask", 2))
    for label, engine, workers in engines:
        sweep = Sweep(EmaCross, bars, grid=sample, cash=1e12, engine=engine, workers=workers)
        sweep.points = points
        start = time.perf_counter()
        result = sweep.run()
        seconds = time.perf_counter() - start
        assert len(result) == n and not result.failed, result.failed[:1]
        timings[label] = seconds
        print(f"{label:<26}{seconds:8.2f} s  {n / seconds:7.2f} points/s")
    one, two = timings["1 worker (this process)"], timings["2 local processes"]
    print(f"speed-up 1 -> 2 local workers: {one / two:.2f}x")
    if "dask, 2 worker processes" in timings:
        print(f"speed-up 1 -> 2 dask workers: {one / timings['dask, 2 worker processes']:.2f}x")
    per_point = plain / n
    print(
        f"per-point overhead of the sweep: {(one - plain) / n * 1e3:+.2f} ms "
        f"({(one - plain) / plain:+.1%} of a point's {per_point * 1e3:.1f} ms run)"
    )


if __name__ == "__main__":
    main()
