"""The reference EMA-cross strategy with its two averages drawn on the report's price chart.

The trading rules are ``tickwire.strategy.ema_cross.EmaCross`` (read it there: 20 lines);
this subclass only records the averages in a :class:`~tickwire.strategy.plotting.Plot`,
which the HTML report draws over the closes. From the shell:
``tickwire backtest examples/ema_cross.py:EmaCross --data <csv> --report out/``.

Run: python examples/ema_cross.py [REPORT_DIR]
"""

from __future__ import annotations

import sys

from tickwire.events import Bar
from tickwire.strategy.ema_cross import EmaCross as ReferenceEmaCross
from tickwire.strategy.plotting import Plot


class EmaCross(ReferenceEmaCross):
    """The reference EMA cross, plotting EMA(fast) and EMA(slow)."""

    def on_start(self) -> None:
        super().on_start()
        self.averages = Plot(f"EMA({self.fast})", f"EMA({self.slow})")

    def on_bar(self, bar: Bar) -> None:
        super().on_bar(bar)
        self.averages.add(bar.ts_event_ns, self.fast_ema.value, self.slow_ema.value)


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
