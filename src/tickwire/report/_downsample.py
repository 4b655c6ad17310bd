"""Pick the few points of a long series that a chart of a given pixel width can show.

Both functions split the time span into ``buckets`` equal slices (one per pixel column)
and return sorted indices into the input, so one selection serves every parallel array.
The first and last points are always kept so the line spans the full period.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["last_per_bucket", "minmax_per_bucket"]

_Indices = npt.NDArray[np.intp]


def last_per_bucket(ts_ns: npt.ArrayLike, buckets: int) -> _Indices:
    """Indices of the last point in each time bucket (for levels such as equity)."""
    times = _times(ts_ns, buckets)
    if times.size <= buckets:
        return np.arange(times.size)
    ids = _bucket_ids(times, buckets)
    ends = np.flatnonzero(ids[1:] != ids[:-1])
    return np.unique(np.concatenate(([0], ends, [times.size - 1])))


def minmax_per_bucket(ts_ns: npt.ArrayLike, values: npt.ArrayLike, buckets: int) -> _Indices:
    """Indices of the lowest and highest finite point in each time bucket (spikes stay visible)."""
    times = _times(ts_ns, buckets)
    data = np.asarray(values, dtype=np.float64)
    if data.shape != times.shape:
        raise ValueError(f"ts_ns and values differ in shape: {times.shape} vs {data.shape}")
    if times.size <= 2 * buckets:
        return np.arange(times.size)
    ids = _bucket_ids(times, buckets)
    # Buckets are contiguous runs (times are sorted): reduce each run, then find where in the
    # run its extreme sits. Linear passes only; a sort would dominate on a million points.
    starts = np.concatenate(([0], np.flatnonzero(ids[1:] != ids[:-1]) + 1))
    counts = np.diff(np.append(starts, times.size))
    lows = _first_per_run(data == np.repeat(np.minimum.reduceat(data, starts), counts), ids)
    highs = _first_per_run(data == np.repeat(np.maximum.reduceat(data, starts), counts), ids)
    return np.unique(np.concatenate(([0], lows, highs, [times.size - 1])))


def _first_per_run(hits: npt.NDArray[np.bool_], ids: npt.NDArray[np.int64]) -> _Indices:
    positions = np.flatnonzero(hits)
    hit_ids = ids[positions]
    first = np.concatenate(([True], hit_ids[1:] != hit_ids[:-1]))
    return positions[first]


def _times(ts_ns: npt.ArrayLike, buckets: int) -> npt.NDArray[np.int64]:
    if buckets < 1:
        raise ValueError(f"buckets must be at least 1, got {buckets}")
    times = np.asarray(ts_ns, dtype=np.int64)
    if times.ndim != 1:
        raise ValueError(f"ts_ns must be 1-D, got shape {times.shape}")
    if np.any(times[1:] < times[:-1]):
        raise ValueError("ts_ns must be non-decreasing")
    return times


def _bucket_ids(times: npt.NDArray[np.int64], buckets: int) -> npt.NDArray[np.int64]:
    # Integer widths rounded up so the last timestamp still lands in bucket ``buckets - 1``.
    width = int(times[-1] - times[0]) // buckets + 1
    ids: npt.NDArray[np.int64] = (times - times[0]) // width
    return ids
