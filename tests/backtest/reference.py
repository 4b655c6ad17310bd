"""The reference EMA-cross strategy written for backtrader, to compare fills."""

from __future__ import annotations

from typing import Any

from tickwire.events import Bar


def backtrader_fills(bars: list[Bar], fast: int = 10, slow: int = 30, quantity: float = 100):
    """Run EmaCross's exact definition in backtrader; returns [(bar index, side, price)]."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "open": [b.open for b in bars],
            "high": [b.high for b in bars],
            "low": [b.low for b in bars],
            "close": [b.close for b in bars],
            "volume": [b.volume for b in bars],
        },
        index=pd.to_datetime([b.ts_event_ns for b in bars], unit="ns"),
    )
    return backtrader_frame_fills(frame, fast, slow, quantity)


def backtrader_frame_fills(frame: Any, fast: int = 10, slow: int = 30, quantity: float = 100):
    """EmaCross in backtrader over a DataFrame of OHLCV columns indexed by time."""
    import backtrader as bt

    class Reference(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.a_fast = 2.0 / (fast + 1)
            self.a_slow = 2.0 / (slow + 1)
            self.e_fast: float | None = None
            self.e_slow: float | None = None
            self.previous = 0.0
            self.index = 0
            self.fills: list[tuple[int, str, float]] = []

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                side = "BUY" if order.isbuy() else "SELL"
                self.fills.append((len(self) - 1, side, order.executed.price))

        def next(self) -> None:
            close = self.data.close[0]
            if self.e_fast is None:
                self.e_fast = self.e_slow = close
            assert self.e_slow is not None
            self.e_fast = self.a_fast * close + (1.0 - self.a_fast) * self.e_fast
            self.e_slow = self.a_slow * close + (1.0 - self.a_slow) * self.e_slow
            d = self.e_fast - self.e_slow
            if self.index >= slow:
                if d > 0 >= self.previous and not self.position:
                    self.buy(size=quantity)
                elif d < 0 <= self.previous and self.position.size > 0:
                    self.sell(size=quantity)
            self.previous = d
            self.index += 1

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(Reference)
    cerebro.broker.setcash(1e12)
    (strategy,) = cerebro.run()
    return strategy.fills
