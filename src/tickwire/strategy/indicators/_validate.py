# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Parameter checks shared by the indicators, so every one fails the same clear way."""

from __future__ import annotations

import math
import numbers

__all__ = ["check_non_negative", "check_period"]


def check_period(owner: str, name: str, value: object) -> int:
    """Return ``value`` if it is a positive int, else raise ValueError naming the owner.

    Parameters are typed ``object`` in the (compiled) indicators so that this check, not
    a generic TypeError from the compiled signature, reports a wrong type.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    period = int(value)  # numpy ints (say, from a parameter grid) become plain ints
    if period <= 0:
        raise ValueError(f"{owner}: {name} must be > 0, got {value}")
    return period


def check_non_negative(owner: str, name: str, value: object) -> float:
    """Return ``value`` as a float if it is finite and >= 0, else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0.0:
        raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    return number
