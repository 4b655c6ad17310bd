"""The backtest runner: bars through the bus to the broker, the portfolio and strategies.

Per bar, delivery order is fixed by subscription priority (and documented in README):

1. the simulated broker matches orders that were pending *before* this bar;
2. the portfolio marks positions to the bar's close and records the equity point;
3. strategies see the bar; orders they submit now wait for the next bar.

``mode="sync"`` (the default, fastest) runs everything in the caller's thread.
``mode="threaded"`` gives the broker, the portfolio and the strategy a thread each and
publishes every bar in priority stages with the idle barrier between them, which yields
the same fills.

A handler that raises (usually a strategy callback) is an error of the run, handled by
``on_error`` (:class:`~tickwire.bus.ErrorPolicy`): ``"stop"``, the default, ends the run
at that event (the result's ``status`` is ``"failed"``); ``"continue"`` goes on (status
``"finished with errors"``). Either way the failure is in ``result.errors`` with its
traceback. Nothing of this runs while no handler fails: the bar loop is unchanged.

Data enters here, so bars are checked here with ``tickwire.events.market_data_problem``:
a bar that breaks the rules is not published; it becomes an :class:`ErrorEvent` (in
``result.errors``) and a dead letter (``bus.dead_letters``), and the run goes on. Sources
that apply the same rules as they read (``read_bars``, ``synthetic_bars``) are not
checked twice.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from tickwire._exceptions import ConfigError, DataError, StrategyError
from tickwire.backtest._feed import LatestUpdates, feed, feed_checked
from tickwire.backtest.result import BacktestResult
from tickwire.bus import DeadLetter, ErrorPolicy, EventBus
from tickwire.bus.policy import ErrorStop, RunStopped
from tickwire.data import BadRow, SyntheticBars
from tickwire.events import ORDER_UPDATES, Bar, ErrorEvent, Fill
from tickwire.events.system import RunStatus, traceback_text
from tickwire.execution import RiskManager, SignalExecutor, SimulatedBroker, Sizer
from tickwire.portfolio import Portfolio
from tickwire.strategy import Strategy
from tickwire.strategy.loading import build_strategy, failure_site

__all__ = ["BROKER_PRIORITY", "PORTFOLIO_PRIORITY", "STRATEGY_PRIORITY", "Backtest"]

BROKER_PRIORITY = 100
PORTFOLIO_PRIORITY = 50
STRATEGY_PRIORITY = 0
_COLLECTOR_PRIORITY = 1_000_000_000
"""The result's collectors see each event before any handler reacts to it: handlers
publish depth-first, so a lower priority would see an order's rejection before the
submission that caused it, and keep the submission as the order's latest update."""
_SOURCE = "Backtest data"
"""Where a rejected bar is said to be (its position in the data follows)."""
_COMPONENT = "Backtest"
"""The component of the ErrorEvents that report rejected bars (which never stop a run)."""


DataInput = Iterable[Bar] | str | Path | Sequence[str | Path]


class Backtest:
    """One backtest: ``Backtest(strategy=EmaCross, data="bars.csv", cash=100_000).run()``.

    ``strategy`` is a Strategy class (built with ``params``) or instance. ``data`` is an
    iterable of :class:`Bar` events (time-ordered) or CSV/Parquet path(s). Extra keyword
    arguments for the broker (``commission``, ``slippage``, ``volume_cap``...) and the
    risk manager go in ``broker`` and ``risk``. Signals a strategy emits become orders
    through a :class:`SignalExecutor` sized by ``sizer`` (default: the signal's quantity).
    ``allow_nonpositive_prices=True`` admits zero and negative prices (in bars and files,
    in the portfolio's marks, in the broker's and risk manager's orders) for instruments
    that trade there; by default such a bar is rejected as bad data. ``on_error`` says
    what a handler failure does (see :class:`~tickwire.bus.ErrorPolicy`; the run's
    ``status`` tells the outcome). ``periods_per_year`` annualises the ratios; by default
    it is counted from the trading sessions in the data (see
    :mod:`tickwire.portfolio.statistics`). Options that cannot make sense (cash not above
    0, a negative commission) raise ConfigError here, before anything runs.
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
        allow_nonpositive_prices: bool = False,
        on_error: ErrorPolicy | str = ErrorPolicy.STOP,
        periods_per_year: float | None = None,
    ) -> None:
        if isinstance(strategy, Strategy):
            if params:
                raise ConfigError("pass params only with a Strategy class, not an instance")
            self.strategy = strategy
        else:
            self.strategy = build_strategy(strategy, dict(params or {}))
        if mode not in ("sync", "threaded"):
            raise ConfigError(f"mode must be 'sync' or 'threaded', got {mode!r}")
        self.data = data
        self.cash = _cash(cash)
        self.mode = mode
        self.on_error = ErrorPolicy.parse(on_error)
        self.broker_options = dict(broker or {})
        self.risk_options = dict(risk or {})
        self.sizer = sizer
        self.allow_nonpositive_prices = bool(allow_nonpositive_prices)
        if periods_per_year is not None and not (0.0 < periods_per_year < float("inf")):
            raise ConfigError(f"periods_per_year must be positive, got {periods_per_year!r}")
        self.periods_per_year = periods_per_year
        self._check_options()
        self.bus = EventBus()
        """The run's bus: subscribe to it before ``run()`` to observe every event."""

    def _check_options(self) -> None:
        """Build the broker and the risk manager once on a scratch bus, so that an option
        they refuse fails here as ConfigError, before a run is started or recorded."""
        scratch = EventBus()
        prices = {"allow_nonpositive_prices": self.allow_nonpositive_prices}
        try:
            portfolio = Portfolio(scratch, self.cash, **prices)
            SimulatedBroker(scratch, portfolio, **{**prices, **self.broker_options})
            RiskManager(scratch, portfolio, **{**prices, **self.risk_options})
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"Backtest: {exc}") from exc

    def run(self) -> BacktestResult:
        """Feed every bar through the system and return the result."""
        bus = self.bus
        threaded = self.mode == "threaded"
        venue = bus.threaded_subscriber("broker") if threaded else bus
        books = bus.threaded_subscriber("portfolio") if threaded else bus
        trader = bus.threaded_subscriber("strategy") if threaded else bus

        prices = {"allow_nonpositive_prices": self.allow_nonpositive_prices}
        portfolio = Portfolio(
            books,
            self.cash,
            priority=PORTFOLIO_PRIORITY,
            allow_nonpositive_prices=self.allow_nonpositive_prices,
        )
        SimulatedBroker(
            venue, portfolio, priority=BROKER_PRIORITY, **{**prices, **self.broker_options}
        )
        RiskManager(venue, portfolio, **{**prices, **self.risk_options})
        SignalExecutor(venue, self.sizer)
        fills: list[Fill] = []
        orders = LatestUpdates()
        errors: list[ErrorEvent] = []
        bus.subscribe(Fill, fills.append, priority=_COLLECTOR_PRIORITY)
        for update in ORDER_UPDATES:
            bus.subscribe(update, orders.record, priority=_COLLECTOR_PRIORITY)
        bus.subscribe(ErrorEvent, errors.append, priority=_COLLECTOR_PRIORITY)

        bars = _bars(self.data, self.allow_nonpositive_prices)
        checked = _checked_at_source(bars)
        strategy = self.strategy
        if strategy.instrument is None:
            strategy.instrument, bars = _default_instrument(bars)
        strategy.attach(
            trader,
            portfolio,
            priority=STRATEGY_PRIORITY,
            clock=lambda: portfolio.last_ts_ns,
        )
        stop = None
        if self.on_error is ErrorPolicy.STOP:
            stop = ErrorStop(ignore=(_COMPONENT,)).attach(bus)
            if threaded:  # failures happen on the strategy's thread: look before each bar
                bars = _until_stopped(bars, stop)

        started = time.perf_counter()
        # Events hold no reference cycles, so the cyclic collector only burns time
        # scanning the growing fill and order lists; pause it for the loop.
        collecting = gc.isenabled()
        gc.disable()
        stopped = False
        try:
            stopped = not self._call_hook(strategy, "on_start", portfolio.last_ts_ns)
            if not stopped:
                with contextlib.suppress(RunStopped):  # the error policy ended the loop
                    if checked:
                        feed(bus, bars, staged=threaded)
                    else:
                        feed_checked(
                            bus,
                            bars,
                            self._reject,
                            staged=threaded,
                            allow_nonpositive_prices=self.allow_nonpositive_prices,
                        )
                self._call_hook(strategy, "on_stop", portfolio.last_ts_ns)
        finally:
            if collecting:
                gc.enable()
            if threaded:
                bus.shutdown()
        wall = time.perf_counter() - started
        if stopped or (stop is not None and stop.stopped_by is not None):
            status = RunStatus.FAILED
        elif any(error.component != _COMPONENT for error in errors):
            status = RunStatus.FINISHED_WITH_ERRORS
        else:
            status = RunStatus.FINISHED

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
            statistics=portfolio.statistics(periods_per_year=self.periods_per_year),
            errors=errors,
            status=status,
        )

    def _call_hook(self, strategy: Strategy, hook: str, ts: int) -> bool:
        """Call ``strategy.on_start`` or ``on_stop``; whether it returned normally.

        A ValueError while starting is the strategy refusing its configuration (a
        parameter out of range): StrategyError, naming the strategy, its parameters and
        the line. Any other failure is reported as a handler failure would be.
        """
        name = f"{strategy.strategy_name}.{hook}"
        try:
            getattr(strategy, hook)()
        except ValueError as exc:
            if hook != "on_start":
                return self._report_failure(name, exc, ts)
            params = ", ".join(f"{k}={v!r}" for k, v in strategy.params.items())
            where = failure_site(exc)
            raise StrategyError(
                f"{name}{f' ({where})' if where else ''} refused its configuration"
                f"{f' ({params})' if params else ''}: {exc}"
            ) from exc
        except Exception as exc:
            return self._report_failure(name, exc, ts)
        return True

    def _report_failure(self, component: str, exc: Exception, ts: int) -> bool:
        """Publish ``exc`` as the bus publishes a handler's failure; always False."""
        error = ErrorEvent(
            ts_event_ns=ts,
            component=component,
            error=str(exc),
            error_type=type(exc).__qualname__,
            traceback=traceback_text(exc),
        )
        with contextlib.suppress(RunStopped):  # the policy stopping the run: done
            self.bus.publish(error)
        return False

    def _reject(self, bar: Any, position: int, problem: str) -> None:
        """Keep a bar that breaks the market-data rules as a dead letter and report it."""
        error = DataError(BadRow(_SOURCE, position, None, problem, unit="bar"))
        self.bus.dead_letters.add(DeadLetter(bar, "Backtest", error))
        ts = getattr(bar, "ts_event_ns", None)
        if isinstance(ts, bool) or not isinstance(ts, int) or not -(2**63) <= ts < 2**63:
            ts = 0  # not a time: 0 rather than the wall clock keeps the event log deterministic
        self.bus.publish(
            ErrorEvent(
                ts_event_ns=ts,
                component="Backtest",
                error=str(error),
                error_type="DataError",
                original_event=bar,
            )
        )


def _cash(cash: float) -> float:
    """Starting cash as a float; ConfigError unless it is a finite number above 0."""
    try:
        value = float(cash)
    except (TypeError, ValueError):
        raise ConfigError(f"Backtest: cash must be a number, got {cash!r}") from None
    if isinstance(cash, bool) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"Backtest: cash must be finite and above 0, got {cash!r}")
    return value


def _until_stopped(bars: Iterable[Bar], stop: ErrorStop) -> Iterator[Bar]:
    """``bars`` until ``stop`` has seen a failure (threaded mode, where it cannot raise)."""
    for bar in bars:
        if stop.stopped_by is not None:
            return
        yield bar


def _checked_at_source(bars: Iterable[Bar]) -> bool:
    """Whether ``bars`` come from a source that applies the market-data rules itself."""
    if isinstance(bars, SyntheticBars):
        return True
    # File sources live in a module that loads pyarrow: if it is not loaded, no file
    # source exists, and importing it only to find that out would cost half a second.
    sources = sys.modules.get("tickwire.data._sources")
    return sources is not None and isinstance(bars, sources.BarSource)


def _bars(data: DataInput, allow_nonpositive_prices: bool) -> Iterable[Bar]:
    if isinstance(data, (str, Path)):
        data = [data]
    if isinstance(data, Sequence) and data and isinstance(data[0], (str, Path)):
        from tickwire.data import read_bars

        return read_bars(list(data), allow_nonpositive_prices=allow_nonpositive_prices)
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
