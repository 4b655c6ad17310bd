"""Parameter grids: parsed from ``NAME=V1,V2`` or ``NAME=START:STOP:STEP``, typed by the
strategy's declared parameters, expanded in full or sampled at random."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from tickwire._exceptions import ConfigError
from tickwire.strategy import Strategy, parameter_values

__all__ = ["ParamValue", "Point", "expand_grid", "parse_grid_option", "typed_grid"]

ParamValue = int | float | str | bool
Point = dict[str, ParamValue]
"""One grid point: parameter name to value."""

_MAX_RANGE = 100_000
"""A range spec that expands to more values than this is surely a typo."""


def parse_grid_option(text: str) -> tuple[str, list[str]]:
    """``"fast=5,10,20"`` or ``"fast=5:30:5"`` (inclusive of STOP) -> name and raw values."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise ConfigError(f"--grid {text!r} must look like NAME=V1,V2,... or NAME=START:STOP:STEP")
    if ":" in values and "," not in values:
        return name, _range(text, values)
    raw = [value.strip() for value in values.split(",")]
    if any(not value for value in raw):
        raise ConfigError(f"--grid {text!r} has an empty value")
    return name, raw


def _range(text: str, spec: str) -> list[str]:
    parts = spec.split(":")
    if len(parts) != 3:
        raise ConfigError(f"--grid {text!r}: a range is START:STOP:STEP")
    try:
        start, stop, step = (Decimal(part.strip()) for part in parts)
    except InvalidOperation:
        raise ConfigError(f"--grid {text!r}: START, STOP and STEP must be numbers") from None
    if not (start.is_finite() and stop.is_finite() and step.is_finite()) or step <= 0:
        raise ConfigError(f"--grid {text!r}: STEP must be a number above 0")
    if stop < start:
        raise ConfigError(f"--grid {text!r}: STOP is below START")
    count = int((stop - start) / step) + 1
    if count > _MAX_RANGE:
        raise ConfigError(f"--grid {text!r} expands to {count:,} values")
    # Decimal arithmetic: 0.1:0.3:0.1 gives 0.1, 0.2, 0.3 exactly, not 0.30000000000000004.
    return [str(start + step * i) for i in range(count)]


def typed_grid(strategy: type[Strategy], grid: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """Each value converted to the type its parameter declares (StrategyError if it cannot)."""
    typed: dict[str, list[Any]] = {}
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ConfigError(f"grid {name!r}: expected a list of values, got {values!r}")
        if not values:
            raise ConfigError(f"grid {name!r}: no values")
        typed[name] = [parameter_values(strategy, {name: value})[name] for value in values]
        for value in typed[name]:
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"grid {name!r}: {value!r} is not a finite number")
    return typed


def expand_grid(
    grid: Mapping[str, Sequence[ParamValue]],
    *,
    sample: int | None = None,
    seed: int = 0,
) -> list[Point]:
    """Every combination of the grid's values (first parameter slowest), or ``sample`` of
    them drawn without replacement with ``seed`` (in grid order, so results line up)."""
    names = list(grid)
    total = math.prod(len(grid[name]) for name in names)
    if sample is None:
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]
    if sample < 1:
        raise ConfigError(f"--random must be at least 1, got {sample}")
    chosen = sorted(random.Random(seed).sample(range(total), min(sample, total)))
    return [_nth(grid, names, index) for index in chosen]


def _nth(grid: Mapping[str, Sequence[ParamValue]], names: list[str], index: int) -> Point:
    """The ``index``-th point of the full product, without building the product."""
    point: Point = {}
    for name in reversed(names):
        values = grid[name]
        index, position = divmod(index, len(values))
        point[name] = values[position]
    return {name: point[name] for name in names}
