"""Walk-forward windows, parameter choice per window and the stitched out-of-sample curve."""

from __future__ import annotations

import numpy as np
import pytest

from tickwire import Backtest, ConfigError
from tickwire.data import synthetic_bars
from tickwire.strategy.ema_cross import EmaCross
from tickwire.sweep import Sweep, Window, parse_walk_forward, walk_forward
from tickwire.sweep._walk_forward import parse_duration, windows

DAY = 86_400 * 1_000_000_000


def test_durations_and_the_option_parse() -> None:
    assert parse_duration("30d") == 30 * DAY
    assert parse_duration("2w") == 14 * DAY
    assert parse_duration("1y") == round(365.25 * DAY)
    assert parse_duration("6m") == round(365.25 / 2 * DAY)
    assert parse_walk_forward("2y:6m") == (parse_duration("2y"), parse_duration("6m"))
    for bad in ("2", "y", "-1d", "0d", "3x"):
        with pytest.raises(ConfigError):
            parse_duration(bad)
    with pytest.raises(ConfigError, match="TRAIN:TEST"):
        parse_walk_forward("2y")


def test_windows_roll_by_the_test_length_and_cover_the_data() -> None:
    steps = windows(0, 100 * DAY, 40 * DAY, 20 * DAY)
    assert steps == [
        (Window(0, 40 * DAY), Window(40 * DAY, 60 * DAY)),
        (Window(20 * DAY, 60 * DAY), Window(60 * DAY, 80 * DAY)),
        (Window(40 * DAY, 80 * DAY), Window(80 * DAY, 100 * DAY)),
        (Window(60 * DAY, 100 * DAY), Window(100 * DAY, 100 * DAY + 1)),
    ]


def test_each_window_trades_the_best_training_point_out_of_sample() -> None:
    bars = synthetic_bars(8_000, seed=5, interval="1h", gap_probability=0.2)
    grid = {"fast": [5, 10], "slow": [20, 40]}
    result = walk_forward(Sweep(EmaCross, bars, grid=grid, workers=1), "120d", "60d")
    assert len(result.windows) == 4
    every_bar = np.fromiter((b.ts_event_ns for b in bars), dtype=np.int64)
    for step in result.windows:
        assert step.chosen is not None and step.out_of_sample is not None
        assert step.chosen.params == step.in_sample.best.params  # type: ignore[union-attr]
        # The out-of-sample run is an ordinary backtest of the chosen point on the test bars.
        inside = [b for b in bars if step.test.start_ns <= b.ts_event_ns < step.test.end_ns]
        plain = Backtest(EmaCross, inside, params=step.chosen.params).run()
        assert step.out_of_sample.summary["fills"] == len(plain.fills)
        assert step.out_of_sample.summary["final_equity"] == plain.final_equity
    covered = every_bar[every_bar >= result.windows[0].test.start_ns]
    assert result.equity_ts_ns.tolist() == covered.tolist()


def test_the_stitched_curve_compounds_the_test_windows() -> None:
    bars = synthetic_bars(6_000, seed=2, interval="1h")
    result = walk_forward(Sweep(EmaCross, bars, grid={"fast": [5, 8]}, workers=1), "90d", "45d")
    level, cash = 100_000.0, 100_000.0
    for step in result.windows:
        run = step.out_of_sample
        assert run is not None and run.equity is not None
        level *= run.equity[-1] / cash
    assert result.equity[-1] == pytest.approx(level)
    assert result.statistics.total_return == pytest.approx(level / cash - 1)


def test_data_shorter_than_a_training_window_is_refused() -> None:
    with pytest.raises(ConfigError, match="shorter than one training window"):
        walk_forward(
            Sweep(EmaCross, synthetic_bars(100), grid={"fast": [5]}, workers=1), "1y", "1m"
        )
