"""Strategies of the cluster tests (loaded by path in the strategy processes)."""

from __future__ import annotations

from tickwire.events import Bar
from tickwire.strategy import Strategy


class BuyEveryBar(Strategy):
    """Buys one unit on every bar: one order per bar, so orders can be counted."""

    def on_bar(self, bar: Bar) -> None:
        self.buy(1)
