"""Backoff: immediate first retry, growing waits with jitter, a cap."""

from __future__ import annotations

import random

import pytest

from tickwire.live import Backoff


def test_the_first_retry_is_immediate_then_waits_grow_to_the_cap() -> None:
    backoff = Backoff(initial=0.5, factor=2, cap=4, jitter=False)
    assert [backoff.delay(n) for n in range(1, 8)] == [0, 0.5, 1, 2, 4, 4, 4]
    assert backoff.delay(10_000) == 4  # no overflow for a feed down for days


def test_jitter_stays_between_half_and_all_of_the_ceiling() -> None:
    backoff = Backoff(initial=1, factor=2, cap=30, rng=random.Random(7))
    for attempt in range(2, 12):
        ceiling = backoff.ceiling(attempt)
        waits = {backoff.delay(attempt) for _ in range(200)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 100  # spread out, not one value


@pytest.mark.parametrize("options", [{"initial": 0}, {"factor": 0.5}, {"initial": 5, "cap": 1}])
def test_nonsense_settings_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="Backoff: need"):
        Backoff(**options)
