"""The reference strategy: a long/flat EMA crossover, defined exactly so that results can
be compared with other engines trade for trade.

- EMA(n): a = 2/(n+1), b = 1 - a; seeded with the first close, updated on every bar
  including the first as e = a*close + b*e.
- d = fast - slow. No signal before bar index ``slow`` (0-based; 30 by default).
- BUY ``quantity`` when flat and d crosses from <= 0 to > 0; SELL ``quantity`` when
  long and d crosses from >= 0 to < 0. Market orders fill at the next bar's open.

Run it: tickwire backtest tickwire.strategy.ema_cross:EmaCross --data bars.csv
"""

from __future__ import annotations

from tickwire.events import Bar
from tickwire.strategy.base import Strategy
from tickwire.strategy.indicators import EMA

__all__ = ["EmaCross"]


class EmaCross(Strategy):
    """Long/flat EMA(fast) over EMA(slow) crossover; see the module docstring."""

    fast: int = 10
    slow: int = 30
    quantity: float = 100

    def on_start(self) -> None:
        self.fast_ema = EMA(self.fast)
        self.slow_ema = EMA(self.slow)
        self.previous = 0.0
        self.index = 0

    def on_bar(self, bar: Bar) -> None:
        d = self.fast_ema.update(bar.close) - self.slow_ema.update(bar.close)
        if self.index >= self.slow:
            if d > 0 >= self.previous and self.position() == 0:
                self.buy(self.quantity)
            elif d < 0 <= self.previous and self.position() > 0:
                self.sell(self.quantity)
        self.previous = d
        self.index += 1
