"""Strategies of the cluster tests (loaded by path in the strategy processes)."""

from __future__ import annotations

from tickwire.events import Bar, TimerEvent
from tickwire.strategy import Strategy


class BuyEveryBar(Strategy):
    """Buys one unit on every bar: one order per bar, so orders can be counted."""

    def on_bar(self, bar: Bar) -> None:
        self.buy(1)


class BuyOnTimer(Strategy):
    """Buys one unit at every timer tick (every two days of market time)."""

    def on_start(self) -> None:
        self.set_timer("buy", 2 * 86_400_000_000_000)

    def on_timer(self, timer: TimerEvent) -> None:
        self.buy(1)


class SignalEveryTenBars(Strategy):
    """Emits a buy signal on every tenth bar, for the executor to size and place."""

    def on_start(self) -> None:
        self.seen = 0

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        if self.seen % 10 == 0:
            self.emit_signal("BUY", bar.close, 1.0)


class FailsOnBar50(Strategy):
    """Raises on its fiftieth bar."""

    def on_start(self) -> None:
        self.seen = 0

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        if self.seen == 50:
            raise ZeroDivisionError("a strategy bug on bar 50")
