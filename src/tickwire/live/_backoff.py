"""How long a feed waits before its next connection attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff"]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter and a cap; the first retry is immediate.

    Retry ``n`` (1 for the first after a drop) waits 0 for ``n == 1``, then a random time
    in ``[c / 2, c]`` with ``c = min(cap, initial * factor ** (n - 2))``: spread out, so that
    many clients dropped at once do not return at once, growing, so that a server that is
    down is not hammered, and bounded, so that a feed is back within ``cap`` seconds of
    its server.
    """

    initial: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (self.initial > 0 and self.factor >= 1 and self.cap >= self.initial):
            raise ValueError(
                f"Backoff: need initial > 0, factor >= 1 and cap >= initial, got "
                f"initial={self.initial}, factor={self.factor}, cap={self.cap}"
            )

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry ``attempt`` (the wait itself without jitter)."""
        if attempt <= 1:
            return 0.0
        exponent = min(attempt - 2, 64)  # beyond this the cap rules anyway
        return float(min(self.cap, self.initial * self.factor**exponent))

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt``."""
        ceiling = self.ceiling(attempt)
        return self.rng.uniform(ceiling / 2, ceiling) if self.jitter else ceiling
