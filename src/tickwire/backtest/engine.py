"""The backtest runner: bars through the bus to the broker, the portfolio and strategies.

Per bar, delivery order is fixed by subscription priority (and documented in README):

1. the simulated broker matches orders that were pending *before* this bar;
2. the portfolio marks positions to the bar's close and records the equity point;
3. strategies see the bar; orders they submit now wait for the next bar.

``mode="sync"`` (the default, fastest) runs everything in the caller's thread.
``mode="threaded"`` gives the broker, the portfolio and the strategy a thread each and
publishes every bar in priority stages with the idle barrier between them, which yields
the same fills.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from tickwire.backtest._feed import LatestUpdates, feed
from tickwire.backtest.result import BacktestResult
from tickwire.bus import EventBus
from tickwire.events import ORDER_UPDATES, Bar, ErrorEvent, Fill
from tickwire.execution import RiskManager, SignalExecutor, SimulatedBroker, Sizer
from tickwire.portfolio import Portfolio
from tickwire.strategy import Strategy

__all__ = ["BROKER_PRIORITY", "PORTFOLIO_PRIORITY", "STRATEGY_PRIORITY", "Backtest"]

BROKER_PRIORITY = 100
PORTFOLIO_PRIORITY = 50
STRATEGY_PRIORITY = 0


DataInput = Iterable[Bar] | str | Path | Sequence[str | Path]


class Backtest:
    """One backtest: ``Backtest(strategy=EmaCross, data="bars.csv", cash=100_000).run()``.

    ``strategy`` is a Strategy class (built with ``params``) or instance. ``data`` is an
    iterable of :class:`Bar` events (time-ordered) or CSV/Parquet path(s). Extra keyword
    arguments for the broker (``commission``, ``slippage``, ``volume_cap``...) and the
    risk manager go in ``broker`` and ``risk``. Signals a strategy emits become orders
    through a :class:`SignalExecutor` sized by ``sizer`` (default: the signal's quantity).
    """

    def __init__(
        self,
        strategy: Strategy | type[Strategy],
        data: DataInput,
        cash: float = 100_000.0,
        *,
        params: Mapping[str, Any] | None = None,
        broker: Mapping[str, Any] | None = None,
        risk: Mapping[str, Any] | None = None,
        sizer: Sizer | None = None,
        mode: Literal["sync", "threaded"] = "sync",
    ) -> None:
        if isinstance(strategy, Strategy):
            if params:
                raise ValueError("pass params only with a Strategy class, not an instance")
            self.strategy = strategy
        else:
            self.strategy = strategy(**dict(params or {}))
        if mode not in ("sync", "threaded"):
            raise ValueError(f"mode must be 'sync' or 'threaded', got {mode!r}")
        self.data = data
        self.cash = float(cash)
        self.mode = mode
        self.broker_options = dict(broker or {})
        self.risk_options = dict(risk or {})
        self.sizer = sizer
        self.bus = EventBus()
        """The run's bus: subscribe to it before ``run()`` to observe every event."""

    def run(self) -> BacktestResult:
        """Feed every bar through the system and return the result."""
        bus = self.bus
        threaded = self.mode == "threaded"
        venue = bus.threaded_subscriber("broker") if threaded else bus
        books = bus.threaded_subscriber("portfolio") if threaded else bus
        trader = bus.threaded_subscriber("strategy") if threaded else bus

        portfolio = Portfolio(books, self.cash, priority=PORTFOLIO_PRIORITY)
        SimulatedBroker(venue, portfolio, priority=BROKER_PRIORITY, **self.broker_options)
        RiskManager(venue, portfolio, **self.risk_options)
        SignalExecutor(venue, self.sizer)
        fills: list[Fill] = []
        orders = LatestUpdates()
        errors: list[ErrorEvent] = []
        bus.subscribe(Fill, fills.append)

        for update in ORDER_UPDATES:
            bus.subscribe(update, orders.record)
        bus.subscribe(ErrorEvent, errors.append)

        bars = _bars(self.data)
        strategy = self.strategy
        if strategy.instrument is None:
            strategy.instrument, bars = _default_instrument(bars)
        strategy.attach(
            trader,
            portfolio,
            priority=STRATEGY_PRIORITY,
            clock=lambda: portfolio.last_ts_ns,
        )

        started = time.perf_counter()
        # Events hold no reference cycles, so the cyclic collector only burns time
        # scanning the growing fill and order lists; pause it for the loop.
        collecting = gc.isenabled()
        gc.disable()
        try:
            strategy.on_start()
            feed(bus, bars, staged=threaded)
            strategy.on_stop()
        finally:
            if collecting:
                gc.enable()
            if threaded:
                bus.shutdown()
        wall = time.perf_counter() - started

        counts = bus.get_stats()["event_counts"]
        return BacktestResult(
            strategy=strategy.strategy_name,
            parameters=strategy.params,
            initial_cash=self.cash,
            portfolio=portfolio,
            fills=fills,
            orders=list(orders.by_order.values()),
            bars=counts.get("Bar", 0),
            events=sum(counts.values()),
            wall_time_s=wall,
            statistics=portfolio.statistics(),
            errors=errors,
        )


def _bars(data: DataInput) -> Iterable[Bar]:
    if isinstance(data, (str, Path)):
        data = [data]
    if isinstance(data, Sequence) and data and isinstance(data[0], (str, Path)):
        from tickwire.data import read_bars

        return read_bars(list(data))
    return data  # type: ignore[return-value]


def _default_instrument(bars: Iterable[Bar]) -> tuple[str | None, Iterable[Bar]]:
    """The instrument order helpers default to: the only one the source declares, else
    the first bar's (multi-instrument strategies pass ``instrument=`` explicitly)."""
    declared = getattr(bars, "instruments", None)
    if declared is not None:
        names = list(declared)
        return (names[0] if len(names) == 1 else None), bars
    iterator = iter(bars)
    first = next(iterator, None)
    if first is None:
        return None, ()
    return first.instrument, itertools.chain((first,), iterator)
