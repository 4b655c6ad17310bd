"""Sequence tracking: duplicates dropped, gaps measured, per stream."""

from __future__ import annotations

from tickwire.live._sequence import Gap, SequenceTracker

KEY = ("BTCUSDT", "trade")


def test_consecutive_numbers_pass_and_repeats_are_duplicates() -> None:
    tracker = SequenceTracker()
    assert [tracker.check(KEY, n, 1) for n in (5, 6, 7)] == [None, None, None]
    assert tracker.check(KEY, 7, 1) is False and tracker.check(KEY, 3, 1) is False
    assert tracker.last(KEY) == 7


def test_a_jump_is_a_gap_with_its_exact_range() -> None:
    tracker = SequenceTracker()
    tracker.check(KEY, 10, 1)
    assert tracker.check(KEY, 14, 1) == Gap(11, 13, 3)
    minute = 60_000
    kline = ("BTCUSDT", "kline_1m")
    tracker.check(kline, 0, minute)
    assert tracker.check(kline, 4 * minute, minute) == Gap(minute, 3 * minute, 3)


def test_streams_are_independent_and_step_zero_only_has_to_grow() -> None:
    tracker = SequenceTracker()
    tracker.check(("A", "bookTicker"), 100, 0)
    assert tracker.check(("A", "bookTicker"), 250, 0) is None  # update ids skip
    assert tracker.check(("B", "bookTicker"), 1, 0) is None
    assert tracker.check(("A", "bookTicker"), 250, 0) is False
