"""Fault injection: the failures a real venue has, on demand, for tests and rehearsals.

- ``drop_every=N``: every connection is closed (code 4001) right after its N-th message,
  counting both directions (a request counts when it has been handled, so an order that
  was the N-th message is placed and its acknowledgement never sent);
- ``delay_acks_ms``: acknowledgements (the replies to ``new_order`` and ``cancel``) are
  sent that much later; pushes and query replies are not held back;
- ``lose_acks``: that fraction of acknowledgements is never sent, though the order is
  placed (or cancelled);
- ``reject_every=N``: every N-th new order is rejected with the reason ``injected
  rejection (--reject-every N)``.

Random choices come from ``seed``, so a failing run can be repeated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tickwire._exceptions import ConfigError

__all__ = ["DROP_CODE", "Faults"]

DROP_CODE = 4001
"""The close code of a connection dropped by ``drop_every``."""


@dataclass
class Faults:
    """Which faults to inject (all off by default); see the module docstring."""

    drop_every: int = 0
    delay_acks_ms: float = 0.0
    lose_acks: float = 0.0
    reject_every: int = 0
    seed: int = 0
    _random: random.Random = field(init=False, repr=False)
    _orders: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.drop_every < 0:
            raise ConfigError(f"--drop-every must be 0 (off) or above, got {self.drop_every}")
        if not self.delay_acks_ms >= 0:
            raise ConfigError(f"--delay-acks must be 0 or above, got {self.delay_acks_ms}")
        if not 0.0 <= self.lose_acks <= 1.0:
            raise ConfigError(f"--lose-acks must be within [0, 1], got {self.lose_acks}")
        if self.reject_every < 0:
            raise ConfigError(f"--reject-every must be 0 (off) or above, got {self.reject_every}")
        self._random = random.Random(self.seed)

    def ack_lost(self) -> bool:
        """Whether to drop this acknowledgement."""
        return self.lose_acks > 0.0 and self._random.random() < self.lose_acks

    def refusal(self) -> str | None:
        """The injected rejection reason for the next new order, or None."""
        if not self.reject_every:
            return None
        self._orders += 1
        if self._orders % self.reject_every:
            return None
        return f"injected rejection (--reject-every {self.reject_every})"

    def drops_after(self, messages: int) -> bool:
        """Whether a connection that has carried ``messages`` messages is to be closed."""
        return self.drop_every > 0 and messages % self.drop_every == 0
