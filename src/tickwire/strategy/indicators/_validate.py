# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Parameter checks shared by the indicators, so every one fails the same clear way.

The indicators' signatures say what a typed caller may pass: ``SupportsIndex`` for a
period (an int, or a numpy int from a parameter grid), ``SupportsFloat`` for a number.
mypyc compiles those protocol types as plain objects, so for an untyped caller's wrong
value these checks, not a bare TypeError from the compiled signature, say what is wrong.
"""

from __future__ import annotations

import math
import operator
from typing import SupportsFloat, SupportsIndex

from tickwire._exceptions import ConfigError

__all__ = ["check_non_negative", "check_period"]


def check_period(owner: str, name: str, value: object) -> int:
    """``value`` as an int if it is a whole number above 0, else ConfigError (a
    ValueError) naming the owner."""
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise ConfigError(f"{owner}: {name} must be a positive int, got {value!r}")
    period = operator.index(value)  # a numpy int becomes a plain int
    if period <= 0:
        raise ConfigError(f"{owner}: {name} must be > 0, got {value!r}")
    return period


def check_non_negative(owner: str, name: str, value: object) -> float:
    """``value`` as a float if it is a finite number >= 0, else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, SupportsFloat):
        raise ConfigError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0.0:
        raise ConfigError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    return number
