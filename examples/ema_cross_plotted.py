"""The reference EMA-cross strategy, drawing its two averages on the report's price chart.

The rules are those of ``tickwire.strategy.ema_cross.EmaCross`` (long/flat, trade on the
cross of EMA(fast) over EMA(slow), no signal before bar ``slow``); this copy also records
both averages in a :class:`~tickwire.strategy.plotting.Plot`, which the HTML report draws
over the closes. From the shell:
``tickwire backtest examples/ema_cross_plotted.py:EmaCross --data <csv> --report out/``.

Run: python examples/ema_cross_plotted.py [REPORT_DIR]
"""

from __future__ import annotations

import sys

from tickwire.events import Bar
from tickwire.strategy import Strategy
from tickwire.strategy.indicators import EMA
from tickwire.strategy.plotting import Plot


class EmaCross(Strategy):
    """Long/flat EMA(fast) over EMA(slow) crossover, plotting both averages."""

    fast: int = 10
    slow: int = 30
    quantity: float = 100

    def on_start(self) -> None:
        self.fast_ema = EMA(self.fast)
        self.slow_ema = EMA(self.slow)
        self.averages = Plot(f"EMA({self.fast})", f"EMA({self.slow})")
        self.previous = 0.0
        self.index = 0

    def on_bar(self, bar: Bar) -> None:
        fast = self.fast_ema.update(bar.close)
        slow = self.slow_ema.update(bar.close)
        self.averages.add(bar.ts_event_ns, fast, slow)
        d = fast - slow
        if self.index >= self.slow:
            if d > 0 >= self.previous and self.position() == 0:
                self.buy(self.quantity)
            elif d < 0 <= self.previous and self.position() > 0:
                self.sell(self.quantity)
        self.previous = d
        self.index += 1


if __name__ == "__main__":
    from tickwire.backtest import Backtest
    from tickwire.data import read_bars, sample_data_paths
    from tickwire.report import backtest_report

    source = read_bars(sample_data_paths()[:1])
    engine = Backtest(strategy=EmaCross, data=source, cash=100_000)
    result = engine.run()
    for key, value in result.summary().items():
        print(f"{key:>16}: {value}")
    if len(sys.argv) > 1:
        print("report:", backtest_report(engine, result, sys.argv[1], source=source))
