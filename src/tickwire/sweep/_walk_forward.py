"""Walk-forward validation: choose parameters on each training window, trade them on the
window that follows, and judge the strategy by the stitched out-of-sample results.

Windows roll forward by the test length: train ``[t, t + train)``, test
``[t + train, t + train + test)``, then ``t += test``, from the first bar until the test
windows cover the data. Each test run starts flat with the sweep's cash and warms its
indicators up inside the test window; the out-of-sample equity curve chains the test
runs' returns, as if the account had been carried from one window to the next.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tickwire._exceptions import ConfigError
from tickwire.portfolio import Statistics, compute_statistics
from tickwire.sweep._data import Window, load_chunks
from tickwire.sweep._grid import Point
from tickwire.sweep._result import SweepResult
from tickwire.sweep._sweep import Progress, Sweep
from tickwire.sweep._task import PointResult

__all__ = ["WalkForwardResult", "WindowResult", "parse_walk_forward", "walk_forward"]

_NS_PER_DAY = 86_400 * 1_000_000_000
_UNITS = {
    "h": _NS_PER_DAY // 24,
    "d": _NS_PER_DAY,
    "w": 7 * _NS_PER_DAY,
    "m": round(365.25 / 12 * _NS_PER_DAY),  # a twelfth of a Julian year
    "y": round(365.25 * _NS_PER_DAY),
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hdwmy])\s*$")


def parse_duration(text: str) -> int:
    """``"2y"``, ``"6m"`` (months of 365.25/12 days), ``"30d"``, ``"4w"``, ``"12h"`` in ns."""
    match = _DURATION.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise ConfigError(f"duration {text!r} must look like 2y, 6m, 30d, 4w or 12h")
    return round(float(match.group(1)) * _UNITS[match.group(2)])


def parse_walk_forward(text: str) -> tuple[int, int]:
    """``"TRAIN:TEST"`` (for example ``"2y:6m"``) as two durations in ns."""
    train, sep, test = text.partition(":")
    if not sep:
        raise ConfigError(f"--walk-forward {text!r} must look like TRAIN:TEST, e.g. 2y:6m")
    return parse_duration(train), parse_duration(test)


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One step: the training window's sweep and the chosen point's out-of-sample run."""

    train: Window
    test: Window
    in_sample: SweepResult
    chosen: PointResult | None
    """The best training point (None if no point ran on the training window)."""
    out_of_sample: PointResult | None

    @property
    def params(self) -> Point | None:
        return None if self.chosen is None else dict(self.chosen.params)


@dataclass
class WalkForwardResult:
    """Every window, and the stitched out-of-sample curve with its statistics."""

    windows: list[WindowResult]
    metric: str
    equity_ts_ns: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    statistics: Statistics
    """Of the stitched out-of-sample curve (trade figures are not included)."""
    interrupted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def in_sample_metric(self) -> float:
        """The chosen points' metric on their training windows, averaged."""
        return _mean(w.chosen.summary.get(self.metric) for w in self.windows if w.chosen)

    def out_of_sample_metric(self) -> float:
        """The chosen points' metric on the following test windows, averaged."""
        return _mean(
            w.out_of_sample.summary.get(self.metric)
            for w in self.windows
            if w.out_of_sample is not None and w.out_of_sample.ok
        )


def _mean(values: Any) -> float:
    found = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return sum(found) / len(found) if found else math.nan


def windows(
    first_ns: int, last_ns: int, train_ns: int, test_ns: int
) -> list[tuple[Window, Window]]:
    """Rolling (train, test) windows over bars from ``first_ns`` to ``last_ns``."""
    found = []
    start = first_ns
    while start + train_ns <= last_ns:
        split = start + train_ns
        found.append((Window(start, split), Window(split, min(split + test_ns, last_ns + 1))))
        start += test_ns
    return found


def walk_forward(
    sweep: Sweep,
    train: str | int,
    test: str | int,
    *,
    progress: Callable[[Progress], None] | None = None,
) -> WalkForwardResult:
    """Walk ``sweep``'s grid forward over its data (durations as text or ns)."""
    train_ns = parse_duration(train) if isinstance(train, str) else int(train)
    test_ns = parse_duration(test) if isinstance(test, str) else int(test)
    chunks = [c for c in load_chunks(sweep.data) if len(c)]
    if not chunks:
        raise ConfigError("walk-forward: the data has no bars")
    first, last = int(chunks[0].ts[0]), int(chunks[-1].ts[-1])
    steps = windows(first, last, train_ns, test_ns)
    if not steps:
        days = (last - first) / _NS_PER_DAY
        raise ConfigError(
            f"walk-forward: the data spans {days:,.1f} days, shorter than one training window"
        )
    results: list[WindowResult] = []
    interrupted = False
    engine = sweep.open_engine()
    try:
        for train_window, test_window in steps:
            in_sample = sweep.run_points(
                sweep.points, window=train_window, engine=engine, progress=progress
            )
            chosen = in_sample.best
            out: PointResult | None = None
            if chosen is not None and not in_sample.interrupted:
                runs = sweep.run_points(
                    [chosen.params], window=test_window, keep_equity=True, engine=engine
                )
                out = runs.points[0] if runs.points else None
                interrupted = runs.interrupted
            results.append(WindowResult(train_window, test_window, in_sample, chosen, out))
            if in_sample.interrupted or interrupted:
                interrupted = True
                break
    finally:
        engine.close()
    ts, equity = _stitch(results, sweep.cash)
    statistics = compute_statistics(ts, equity, initial_equity=sweep.cash)
    return WalkForwardResult(results, sweep.metric, ts, equity, statistics, interrupted)


def _stitch(
    results: list[WindowResult], cash: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The test runs' equity curves chained: each scaled to start where the last ended."""
    times: list[npt.NDArray[np.int64]] = []
    values: list[npt.NDArray[np.float64]] = []
    level = cash
    for window in results:
        run = window.out_of_sample
        if run is None or not run.ok or not run.equity:
            continue
        curve = np.asarray(run.equity, dtype=np.float64) * (level / cash)
        times.append(np.asarray(run.equity_ts_ns, dtype=np.int64))
        values.append(curve)
        level = float(curve[-1])
    if not times:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(times), np.concatenate(values)
