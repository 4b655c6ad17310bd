"""Downsampling by time bucket: hand-worked selections and what must always survive."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.report import last_per_bucket, minmax_per_bucket


def test_last_per_bucket_keeps_the_first_and_each_buckets_last_point() -> None:
    # Span 9 over 3 buckets: width 4, so buckets hold ts 0-3, 4-7 and 8-9.
    assert last_per_bucket(np.arange(10), 3).tolist() == [0, 3, 7, 9]


def test_minmax_per_bucket_keeps_each_buckets_extremes() -> None:
    values = [5, 1, 9, 3, 4, 2, 8, 7, 0, 6]
    # Buckets hold ts 0-4 (min at 1, max at 2) and 5-9 (min at 8, max at 6), plus both ends.
    assert minmax_per_bucket(np.arange(10), values, 2).tolist() == [0, 1, 2, 6, 8, 9]


def test_buckets_are_slices_of_time_not_of_point_count() -> None:
    # Four points crowd the first half of the span; the lone late point has a bucket alone.
    indices = minmax_per_bucket([0, 1, 2, 3, 100], [1.0, 4.0, 2.0, 3.0, 5.0], 2)
    assert indices.tolist() == [0, 1, 4]


def test_ties_pick_the_earliest_point() -> None:
    assert minmax_per_bucket(np.arange(6), [2.0, 1.0, 1.0, 3.0, 3.0, 2.0], 1).tolist() == [
        0,
        1,
        3,
        5,
    ]


def test_short_series_are_returned_whole() -> None:
    assert last_per_bucket([0, 5, 9], 3).tolist() == [0, 1, 2]
    assert minmax_per_bucket([0, 5, 9, 12], [1.0, 2.0, 3.0, 4.0], 2).tolist() == [0, 1, 2, 3]


def test_a_single_instant_is_one_bucket() -> None:
    assert last_per_bucket([7, 7, 7, 7], 2).tolist() == [0, 3]


@pytest.mark.parametrize("buckets", [0, -1])
def test_bucket_count_must_be_positive(buckets: int) -> None:
    with pytest.raises(ValueError, match="buckets"):
        last_per_bucket([1, 2], buckets)


def test_unsorted_timestamps_are_rejected() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        minmax_per_bucket([3, 1, 2, 4, 5], [1.0] * 5, 1)


def test_mismatched_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        minmax_per_bucket([1, 2, 3], [1.0, 2.0], 1)


series = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10**12),
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    ),
    min_size=1,
    max_size=300,
)


@given(series, st.integers(min_value=1, max_value=20))
def test_minmax_selection_keeps_the_envelope(points: list[tuple[int, float]], buckets: int) -> None:
    ts = np.cumsum([gap for gap, _ in points])
    values = np.array([value for _, value in points])
    indices = minmax_per_bucket(ts, values, buckets)
    assert (np.diff(indices) > 0).all()
    assert indices[0] == 0 and indices[-1] == len(values) - 1
    assert len(indices) <= max(len(values) if len(values) <= 2 * buckets else 0, 2 * buckets + 2)
    assert values[indices].min() == values.min()
    assert values[indices].max() == values.max()


@given(series, st.integers(min_value=1, max_value=20))
def test_last_selection_is_sorted_and_bounded(
    points: list[tuple[int, float]], buckets: int
) -> None:
    ts = np.cumsum([gap for gap, _ in points])
    indices = last_per_bucket(ts, buckets)
    assert (np.diff(indices) > 0).all()
    assert indices[0] == 0 and indices[-1] == len(ts) - 1
    assert len(indices) <= max(len(ts) if len(ts) <= buckets else 0, buckets + 1)
