"""Parameter checks shared by the indicators, so every one fails the same clear way."""

from __future__ import annotations

import math

__all__ = ["check_non_negative", "check_period"]


def check_period(owner: str, name: str, value: int) -> int:
    """Return ``value`` if it is a positive int, else raise ValueError naming the owner."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    if value <= 0:
        raise ValueError(f"{owner}: {name} must be > 0, got {value}")
    return value


def check_non_negative(owner: str, name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and >= 0, else raise ValueError."""
    number = float(value)
    if not math.isfinite(number) or number < 0.0:
        raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    return number
