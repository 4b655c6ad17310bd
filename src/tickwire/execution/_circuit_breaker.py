"""A circuit breaker: stop sending orders after repeated broker failures, retry later.

::

    CLOSED --N consecutive failures--> OPEN --cool-down elapsed--> HALF_OPEN
    HALF_OPEN --trial succeeds--> CLOSED
    HALF_OPEN --trial fails-----> OPEN (the cool-down starts again)

The clock is injected so that a backtest can run on event time and stay deterministic.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(enum.StrEnum):
    CLOSED = "CLOSED"
    """Orders flow; failures are counted."""
    OPEN = "OPEN"
    """Every order is refused until the cool-down has elapsed."""
    HALF_OPEN = "HALF_OPEN"
    """One trial order may pass; its outcome closes or reopens the breaker."""


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; half-opens ``cooldown_ns`` later.

    ``clock`` returns nanoseconds (default: the monotonic wall clock). Call
    :meth:`allow` before sending, then :meth:`record_success` or :meth:`record_failure`
    with the outcome.
    """

    __slots__ = (
        "_clock",
        "_failures",
        "_opened_at",
        "_state",
        "_trial_out",
        "cooldown_ns",
        "threshold",
    )

    def __init__(
        self,
        threshold: int,
        cooldown_ns: int,
        *,
        clock: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        if threshold < 1:
            raise ValueError(f"CircuitBreaker: threshold must be >= 1, got {threshold!r}")
        if cooldown_ns < 0:
            raise ValueError(f"CircuitBreaker: cooldown_ns must be >= 0, got {cooldown_ns!r}")
        self.threshold = int(threshold)
        self.cooldown_ns = int(cooldown_ns)
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0
        self._trial_out = False

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose cool-down is over reads HALF_OPEN)."""
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self.cooldown_ns:
            self._state = BreakerState.HALF_OPEN
            self._trial_out = False
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success (reset when the breaker closes)."""
        return self._failures

    def allow(self) -> bool:
        """Whether an order may be sent now; in HALF_OPEN this takes the one trial slot."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._trial_out:
            self._trial_out = True
            return True
        return False

    def record_success(self) -> None:
        """The broker accepted an order: reset the count; a half-open breaker closes."""
        if self._state is BreakerState.OPEN:
            return  # a late answer for an order sent before opening decides nothing
        self._failures = 0
        self._state = BreakerState.CLOSED
        self._trial_out = False

    def record_failure(self) -> None:
        """The broker refused an order: count it; open at the threshold or after a trial."""
        if self._state is BreakerState.OPEN:
            return
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self.threshold:
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
            self._trial_out = False

    def reset(self) -> None:
        """Close the breaker and forget past failures (an operator override)."""
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._trial_out = False
