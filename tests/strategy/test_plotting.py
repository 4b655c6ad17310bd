"""Series a strategy declares for the report: recorded per bar, found after the run."""

from __future__ import annotations

import numpy as np
import pytest

from tickwire._exceptions import StrategyError
from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import Bar
from tickwire.strategy import Strategy
from tickwire.strategy.ema_cross import EmaCross
from tickwire.strategy.plotting import Plot, plots_of


def test_points_come_back_per_series() -> None:
    plot = Plot("a", "b", instrument="X")
    plot.add(10, 1.0, 2.0)
    plot.add(20, 3.0, 4.0)
    a, b = plot.lines()
    assert (a.name, b.name, a.instrument, a.overlay) == ("a", "b", "X", True)
    assert a.ts_ns.tolist() == [10, 20] == b.ts_ns.tolist()
    assert a.values.tolist() == [1.0, 3.0]
    assert b.values.tolist() == [2.0, 4.0]
    assert len(plot) == 2


def test_a_wrong_number_of_values_names_the_plot() -> None:
    plot = Plot("fast", "slow")
    with pytest.raises(StrategyError, match=r"expected 2 values, got 1"):
        plot.add(1, 1.0)
    with pytest.raises(StrategyError, match="at least one"):
        Plot()
    with pytest.raises(StrategyError, match="repeat"):
        Plot("a", "a")


def test_a_strategy_without_plots_has_none() -> None:
    strategy = EmaCross()
    Backtest(strategy, synthetic_bars(100, seed=1), cash=1e6).run()
    assert plots_of(strategy) == []


def test_plots_are_found_on_the_strategy_after_a_run() -> None:
    class Averaged(EmaCross):
        def on_start(self) -> None:
            super().on_start()
            self.averages = Plot("fast", "slow")
            self.oscillator = Plot("d", overlay=False)

        def on_bar(self, bar: Bar) -> None:
            super().on_bar(bar)
            fast, slow = self.fast_ema.value, self.slow_ema.value
            self.averages.add(bar.ts_event_ns, fast, slow)
            self.oscillator.add(bar.ts_event_ns, fast - slow)

    strategy = Averaged()
    result = Backtest(strategy, synthetic_bars(500, seed=2), cash=1e6).run()
    lines = {line.name: line for line in plots_of(strategy)}
    assert list(lines) == ["fast", "slow", "d"]
    assert lines["d"].overlay is False
    assert lines["fast"].ts_ns.size == result.bars == 500
    np.testing.assert_allclose(lines["d"].values, lines["fast"].values - lines["slow"].values)
    assert lines["slow"].values[-1] == strategy.slow_ema.value


def test_plot_needs_no_change_to_strategy() -> None:
    # Plots are found by looking at attributes: the base class knows nothing of them.
    assert not any("plot" in name.lower() for name in vars(Strategy))


def test_the_plotting_example_trades_as_the_reference_does() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "examples" / "ema_cross_plotted.py"
    spec = importlib.util.spec_from_file_location("example_ema_cross", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bars = synthetic_bars(3_000, seed=4, gap_probability=0.3)
    plotted = Backtest(module.EmaCross, bars, cash=1e9).run()
    reference = Backtest(EmaCross, bars, cash=1e9).run()
    assert [(f.ts_event_ns, f.price) for f in plotted.fills] == [
        (f.ts_event_ns, f.price) for f in reference.fills
    ]
    assert len(plotted.fills) > 10
