"""Grid options, typing by the strategy's parameters, full and sampled expansion."""

from __future__ import annotations

import pytest

from tickwire import ConfigError, StrategyError
from tickwire.strategy.ema_cross import EmaCross
from tickwire.sweep import expand_grid, parse_grid_option
from tickwire.sweep._grid import typed_grid


def test_lists_and_inclusive_ranges_parse() -> None:
    assert parse_grid_option("fast=5, 10,20") == ("fast", ["5", "10", "20"])
    assert parse_grid_option("fast=5:20:5") == ("fast", ["5", "10", "15", "20"])
    assert parse_grid_option("q=0.1:0.3:0.1") == ("q", ["0.1", "0.2", "0.3"])


@pytest.mark.parametrize("text", ["fast", "=1,2", "fast=", "fast=1,,2", "fast=1:2", "fast=5:1:1",
                                  "fast=1:5:0", "fast=a:b:c", "fast=0:1e9:1"])  # fmt: skip
def test_bad_grid_options_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ConfigError, match="--grid"):
        parse_grid_option(text)


def test_values_take_the_declared_parameter_types() -> None:
    grid = typed_grid(EmaCross, {"fast": ["5", 10], "quantity": ["2.5"]})
    assert grid == {"fast": [5, 10], "quantity": [2.5]}
    assert type(grid["fast"][0]) is int
    with pytest.raises(StrategyError, match="no parameter 'fsat'"):
        typed_grid(EmaCross, {"fsat": [1]})
    with pytest.raises(StrategyError, match="must be int"):
        typed_grid(EmaCross, {"fast": ["five"]})
    with pytest.raises(ConfigError, match="no values"):
        typed_grid(EmaCross, {"fast": []})


def test_the_full_grid_varies_the_last_parameter_fastest() -> None:
    points = expand_grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert points[:4] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                          {"a": 2, "b": "x"}]  # fmt: skip
    assert len(points) == 6


def test_a_random_sample_is_seeded_distinct_and_in_grid_order() -> None:
    grid = {"a": list(range(50)), "b": list(range(40))}
    full = expand_grid(grid)
    first = expand_grid(grid, sample=25, seed=7)
    assert first == expand_grid(grid, sample=25, seed=7)
    assert first != expand_grid(grid, sample=25, seed=8)
    positions = [full.index(point) for point in first]
    assert positions == sorted(set(positions))
    assert len(expand_grid({"a": [1, 2]}, sample=10)) == 2
