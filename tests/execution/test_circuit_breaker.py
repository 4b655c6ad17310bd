"""The circuit breaker's states, driven by an injected clock."""

from __future__ import annotations

import pytest

from tickwire.execution import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


def state(breaker: CircuitBreaker) -> BreakerState:
    """Read afresh each time (the state changes with the clock, which mypy cannot see)."""
    return breaker.state


def opened(threshold: int = 3, cooldown: int = 100) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    breaker = CircuitBreaker(threshold, cooldown, clock=clock)
    for _ in range(threshold):
        assert breaker.allow()
        breaker.record_failure()
    return breaker, clock


def test_closed_until_threshold_consecutive_failures() -> None:
    breaker = CircuitBreaker(3, 100, clock=Clock())
    breaker.record_failure()
    breaker.record_failure()
    assert state(breaker) is BreakerState.CLOSED and breaker.allow()
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    assert not breaker.allow()


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(2, 100, clock=Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert state(breaker) is BreakerState.CLOSED
    assert breaker.consecutive_failures == 1


def test_half_opens_after_the_cool_down_with_one_trial() -> None:
    breaker, clock = opened()
    clock.now = 99
    assert state(breaker) is BreakerState.OPEN and not breaker.allow()
    clock.now = 100
    assert state(breaker) is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # the one trial is out


def test_trial_success_closes() -> None:
    breaker, clock = opened()
    clock.now = 150
    assert breaker.allow()
    breaker.record_success()
    assert state(breaker) is BreakerState.CLOSED
    assert breaker.consecutive_failures == 0
    assert breaker.allow() and breaker.allow()


def test_trial_failure_reopens_for_a_new_cool_down() -> None:
    breaker, clock = opened()
    clock.now = 150
    assert breaker.allow()
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    clock.now = 249
    assert state(breaker) is BreakerState.OPEN
    clock.now = 250
    assert state(breaker) is BreakerState.HALF_OPEN


def test_results_while_open_change_nothing() -> None:
    breaker, clock = opened(cooldown=100)
    clock.now = 50
    breaker.record_success()
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    clock.now = 100
    assert state(breaker) is BreakerState.HALF_OPEN


def test_reset_closes() -> None:
    breaker, _ = opened()
    breaker.reset()
    assert state(breaker) is BreakerState.CLOSED and breaker.allow()


@pytest.mark.parametrize(("threshold", "cooldown"), [(0, 10), (1, -1)])
def test_bad_settings(threshold: int, cooldown: int) -> None:
    with pytest.raises(ValueError, match="CircuitBreaker"):
        CircuitBreaker(threshold, cooldown)
