"""Run the reference EMA-cross strategy on the bundled sample data and print the result.

The strategy itself is ``tickwire.strategy.ema_cross.EmaCross`` (read it there: 20
lines). From the shell the same run is: ``tickwire backtest examples/ema_cross.py:EmaCross
--data <csv>``.

Run: python examples/ema_cross.py
"""

from __future__ import annotations

from tickwire.backtest import Backtest
from tickwire.data import sample_data_paths
from tickwire.strategy.ema_cross import EmaCross

if __name__ == "__main__":
    path = sample_data_paths()[0]
    result = Backtest(strategy=EmaCross, data=path, cash=100_000).run()
    for key, value in result.summary().items():
        print(f"{key:>16}: {value}")
