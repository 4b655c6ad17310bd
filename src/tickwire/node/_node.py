"""The node: the one composition root of a backtest and a live session.

It wires the bus, a clock, the execution client (the simulated broker, behind the risk
manager and the signal executor), the portfolio, one or more strategies and an optional
recorder, and runs them: over historical events in a backtest, around live data clients
in the lifecycle loop otherwise (see :mod:`tickwire.node`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from tickwire._exceptions import ConfigError, DataError, StrategyError
from tickwire.bus import DeadLetter, ErrorPolicy, EventBus
from tickwire.bus.policy import ErrorStop, RunStopped
from tickwire.clock import BacktestClock, LiveClock
from tickwire.data import BadRow, SyntheticBars
from tickwire.data._taps import TappedBars
from tickwire.events import (
    ORDER_UPDATES,
    CancelOrder,
    ErrorEvent,
    Fill,
    LifecycleEvent,
    LifecycleState,
    OrderAccepted,
    OrderPartiallyFilled,
    OrderSubmitted,
)
from tickwire.events._base import new_id
from tickwire.events.system import traceback_text
from tickwire.execution import RiskManager, SignalExecutor, SimulatedBroker
from tickwire.node._components import VenueClient, component_name
from tickwire.node._feed import LatestUpdates, feed, feed_checked
from tickwire.node._names import name_strategies
from tickwire.node._outcome import NodeOutcome, NodeStatus, StrategyStats, strategy_stats
from tickwire.node.config import NodeConfig
from tickwire.portfolio import Portfolio
from tickwire.strategy import Strategy
from tickwire.strategy.loading import failure_site

if TYPE_CHECKING:  # the persistence layer loads only for nodes that record
    from tickwire.persistence import Recorder

if TYPE_CHECKING:  # live modules load only for a live run: a backtest never needs them
    from tickwire.live.heartbeat import HeartbeatPublisher

__all__ = [
    "BROKER_PRIORITY",
    "PORTFOLIO_PRIORITY",
    "STRATEGY_PRIORITY",
    "DataInput",
    "Node",
]

BROKER_PRIORITY = 100
PORTFOLIO_PRIORITY = 50
STRATEGY_PRIORITY = 0
_COLLECTOR_PRIORITY = 1_000_000_000
"""The collectors see each event before any handler reacts to it: handlers publish
depth-first, so a lower priority would see an order's rejection before the submission
that caused it, and keep the submission as the order's latest update."""
_FAULT_PRIORITY = -(2**62) + 1
"""The fault policy sees an ErrorEvent after everyone but ErrorStop (which may raise)."""
_WORKING = (OrderSubmitted, OrderAccepted, OrderPartiallyFilled)
"""An order whose latest update is one of these can still fill (and be cancelled)."""
_FORCED_EXIT = 130
"""The exit code of a second Ctrl-C (128 + SIGINT)."""

DataInput = Iterable[Any] | str | Path | Sequence[str | Path]
"""A backtest's data: time-ordered events (bars, ticks) or CSV/Parquet bar file(s)."""


class Node:
    """Wires and runs ``strategies`` over ``data`` (a backtest) or ``feeds`` (live).

    ``Node([EmaCross(), Breakout()], data="bars.csv", config=NodeConfig(cash=50_000))``
    runs a deterministic backtest on :meth:`run`; ``Node([...], feeds=[WebSocketFeed(...)])``
    runs the lifecycle loop until :meth:`stop`, the configured ``duration``, SIGINT or
    SIGTERM, or until every feed has ended. Strategies share one portfolio; each keeps
    its own order ids (a second instance of a class is renamed ``Name.2``) and record
    (:attr:`NodeOutcome.strategies`). ``recorder`` (unattached, or attached to
    :attr:`bus`) records every event and is closed with the outcome's status. ``name``
    is the component that reports rejected input (``"Backtest"`` for the Backtest).
    """

    def __init__(
        self,
        strategies: Strategy | Sequence[Strategy],
        *,
        data: DataInput | None = None,
        feeds: Sequence[Any] = (),
        config: NodeConfig | None = None,
        recorder: Recorder | None = None,
        execution: VenueClient | None = None,
        bus: EventBus | None = None,
        name: str = "Node",
    ) -> None:
        self.strategies: list[Strategy] = (
            [strategies] if isinstance(strategies, Strategy) else list(strategies)
        )
        name_strategies(self.strategies)
        if data is not None and feeds:
            raise ConfigError("a node takes either data (a backtest) or feeds (live), not both")
        self.config = config if config is not None else NodeConfig()
        self.data = data
        self.live = data is None
        """Whether this node runs the lifecycle loop (live) rather than a backtest."""
        self.name = name
        self.recorder = recorder
        if execution is not None and data is not None:
            raise ConfigError("a backtest fills with the simulated broker: pass no execution")
        self.execution = execution
        if execution is not None:
            self.session = new_id()[:12]
            """The id in this venue session's client order ids (``Name-SESSION-N``)."""
            for strategy in self.strategies:
                strategy.scope_order_ids(self.session)
        """Live: the venue execution (``tickwire.node.venue.VenueExecution``) in the
        simulated broker's place; None fills with the simulated broker (paper)."""
        self.bus = bus if bus is not None else EventBus()
        """The node's bus: subscribe to it before ``run()`` to observe every event."""
        self._started = False
        self.feeds: list[Any] = []
        """The live data clients, started in this order after the execution chain."""
        for client in feeds:
            self.add_feed(client)
        self.clock: BacktestClock | LiveClock = BacktestClock() if data is not None else LiveClock()
        self.portfolio: Portfolio | None = None
        """The shared portfolio, once the node is wired (at the start of a run)."""
        self.fills: list[Fill] = []
        self.orders = LatestUpdates()
        self.errors: list[ErrorEvent] = []
        self.states: dict[str, LifecycleState] = {}
        """Each component's latest lifecycle state (live), strategies by their names."""
        self._strategy_errors: dict[str, int] = {s.strategy_name: 0 for s in self.strategies}
        self._failed: list[str] = []
        self._heartbeats: dict[str, HeartbeatPublisher] = {}
        """Live: each beating component's publisher (see ``NodeConfig.heartbeat_interval``)."""
        self._failure = ""
        self._stop_reason = ""
        self._signals = 0
        self._stop_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._error_stop: ErrorStop | None = None
        self._hook_stopped = False
        self._check_components()

    # -- configuration -------------------------------------------------------------------

    def add_feed(self, client: Any) -> None:
        """Add a live data client (async ``start()`` and ``stop()``, publishing on this
        node's :attr:`bus`), before the node runs."""
        if not self.live:
            raise ConfigError(f"{self.name} is a backtest node: it reads data, not feeds")
        if self._started:
            raise ConfigError(f"{self.name}: add feeds before the node runs")
        if not (
            callable(getattr(client, "start", None)) and callable(getattr(client, "stop", None))
        ):
            raise ConfigError(f"a feed needs async start() and stop(), got {client!r}")
        bus = getattr(client, "bus", self.bus)
        if bus is not self.bus:
            raise ConfigError(
                f"feed {component_name(client)!r} publishes on another bus than the node's: "
                "build it with node.bus (or pass its bus as Node(bus=...))"
            )
        self.feeds.append(client)

    def _check_components(self) -> None:
        """Build the broker and the risk manager once on a scratch bus, so that an option
        they refuse fails here as ConfigError, before a run is started or recorded."""
        scratch = EventBus()
        config = self.config
        prices = {"allow_nonpositive_prices": config.allow_nonpositive_prices}
        try:
            portfolio = Portfolio(scratch, config.cash, **prices)
            SimulatedBroker(scratch, portfolio, **{**prices, **config.broker.options()})
            RiskManager(scratch, portfolio, **{**prices, **config.risk.options()})
        except ConfigError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.name}: {exc}") from exc

    # -- wiring ----------------------------------------------------------------------------

    def _wire(self) -> tuple[Any, bool]:
        """Subscribe the portfolio, the execution chain, the collectors and the fault
        policy (in that order, which decides ties of priority); returns the strategies'
        bus (a threaded subscriber in threaded mode) and whether the mode is threaded."""
        if self._started:
            raise RuntimeError(f"{self.name}: a node runs once; build another to run again")
        self._started = True
        bus = self.bus
        config = self.config
        threaded = config.mode == "threaded"
        venue = bus.threaded_subscriber("broker") if threaded else bus
        books = bus.threaded_subscriber("portfolio") if threaded else bus
        trader = bus.threaded_subscriber("strategy") if threaded else bus
        prices = {"allow_nonpositive_prices": config.allow_nonpositive_prices}
        portfolio = Portfolio(
            books,
            config.cash,
            priority=PORTFOLIO_PRIORITY,
            allow_nonpositive_prices=config.allow_nonpositive_prices,
        )
        self.portfolio = portfolio
        if self.execution is None:
            SimulatedBroker(
                venue, portfolio, priority=BROKER_PRIORITY, **{**prices, **config.broker.options()}
            )
        else:
            self.execution.attach(venue, priority=BROKER_PRIORITY)
        RiskManager(venue, portfolio, **{**prices, **config.risk.options()})
        SignalExecutor(venue, config.sizer)
        bus.subscribe(Fill, self.fills.append, priority=_COLLECTOR_PRIORITY)
        for update in ORDER_UPDATES:
            bus.subscribe(update, self.orders.record, priority=_COLLECTOR_PRIORITY)
        bus.subscribe(ErrorEvent, self.errors.append, priority=_COLLECTOR_PRIORITY)
        bus.subscribe(ErrorEvent, self._on_error, priority=_FAULT_PRIORITY)
        return trader, threaded

    def _attach_strategy(self, strategy: Strategy, trader: Any, now: Callable[[], int]) -> None:
        strategy.attach(
            trader, self._portfolio(), priority=STRATEGY_PRIORITY, clock=now, timers=self.clock
        )

    def _portfolio(self) -> Portfolio:
        if self.portfolio is None:
            raise RuntimeError(f"{self.name} is not wired yet")
        return self.portfolio

    # -- running ---------------------------------------------------------------------------

    def run(self) -> NodeOutcome:
        """Run to the end (a backtest) or until stopped (live); blocks.

        Live, on the main thread, SIGINT and SIGTERM start a graceful stop while it runs;
        a second SIGINT exits the process at once with code 130 (what the recorder has
        committed stays committed).
        """
        if not self.live:
            return self.run_backtest()
        if threading.current_thread() is not threading.main_thread():
            return asyncio.run(self.run_async())
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            return asyncio.run(self.run_async())
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        name = signal.Signals(number).name
        self._signals += 1
        if self._signals > 1 and number == signal.SIGINT:
            os.write(2, b"tickwire: second interrupt, exiting now\n")
            os._exit(_FORCED_EXIT)
        self.stop(name)

    def stop(self, reason: str = "stop()") -> None:
        """Ask the node to stop gracefully; safe from any thread and from signal handlers.
        ``reason`` becomes :attr:`NodeOutcome.stopped_by` (the first request's wins)."""
        with self._stop_lock:
            if not self._stop_reason:
                self._stop_reason = reason
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: it is over
                loop.call_soon_threadsafe(stopping.set)

    async def run_async(self) -> NodeOutcome:
        """:meth:`run` on the running event loop (no signal handlers are installed)."""
        if not self.live:
            return await asyncio.to_thread(self.run_backtest)
        from tickwire.node._live import run_live  # the lifecycle loop, only when live

        return await run_live(self)

    # -- the backtest ----------------------------------------------------------------------

    def run_backtest(self, *, records: bool = True) -> NodeOutcome:
        """Feed every event of ``data`` through the wired system, deterministically.

        Per event the broker matches the orders that were working before it, the
        portfolio marks to it, then the strategies see it. Timers of strategies that
        override ``on_timer`` fire between events, in event-time order. ``records=False``
        leaves :attr:`NodeOutcome.strategies` empty (``Backtest`` builds its own result;
        :meth:`strategy_stats` still gives them).
        """
        if self.data is None:
            raise RuntimeError(f"{self.name} is a live node: use run() or run_async()")
        trader, threaded = self._wire()
        bus = self.bus
        config = self.config
        portfolio = self._portfolio()
        events = _events(self.data, config.allow_nonpositive_prices)
        checked = _checked_at_source(events)
        if checked and not threaded:  # a recorder on the bus may take the bars as chunks
            events = TappedBars(events, bus)
        if any(s.instrument is None for s in self.strategies):
            default, events = _default_instrument(events)
            for strategy in self.strategies:
                if strategy.instrument is None:
                    strategy.instrument = default
        timed = any(type(s).on_timer is not Strategy.on_timer for s in self.strategies)
        now: Callable[[], int] = lambda: portfolio.last_ts_ns  # noqa: E731
        if timed:
            clock, events = _clock_from_first(events)
            self.clock = clock
            now = clock.now_ns
            events = _timed(events, clock, bus if threaded else None)
        for strategy in self.strategies:
            self._attach_strategy(strategy, trader, now)
        stop = None
        if config.on_error is ErrorPolicy.STOP:
            stop = ErrorStop(ignore=(self.name,)).attach(bus)
            self._error_stop = stop
            if threaded:  # failures happen on the strategy's thread: look before each event
                events = _until_stopped(events, stop)
        if self.recorder is not None:
            self._attach_recorder()

        started = time.perf_counter()
        # Events hold no reference cycles, so the cyclic collector only burns time
        # scanning the growing fill and order lists; pause it for the loop.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for strategy in self.strategies:
                if not self._call_hook(strategy, "on_start", portfolio.last_ts_ns):
                    self._failed.append(strategy.strategy_name)
                    self._hook_stopped = True
                    break
            if not self._hook_stopped:
                with contextlib.suppress(RunStopped):  # the error policy ended the loop
                    if checked:
                        feed(bus, events, staged=threaded)
                    else:
                        feed_checked(
                            bus,
                            events,
                            self._reject,
                            staged=threaded,
                            allow_nonpositive_prices=config.allow_nonpositive_prices,
                        )
                for strategy in self.strategies:
                    self._call_hook(strategy, "on_stop", portfolio.last_ts_ns)
        finally:
            if collecting:
                gc.enable()
            if threaded:
                bus.shutdown()
        wall = time.perf_counter() - started
        self._settle_states()
        outcome = self._outcome(self._backtest_status(), wall, records=records)
        self._close_recorder(outcome)
        return outcome

    def _settle_states(self) -> None:
        """A backtest's strategies end STOPPED, or FAILED for the one whose failure (or
        failing ``on_start``) ended the run; no lifecycle event is published in a backtest."""
        culprit = None
        stop = self._error_stop
        if stop is not None and stop.stopped_by is not None:
            culprit = self._owner_of(stop.stopped_by)
        for strategy in self.strategies:
            name = strategy.strategy_name
            failed = strategy is culprit or name in self._failed
            self.states[name] = LifecycleState.FAILED if failed else LifecycleState.STOPPED
            if failed and name not in self._failed:
                self._failed.append(name)

    def _backtest_status(self) -> str:
        stop = self._error_stop
        if self._hook_stopped or (stop is not None and stop.stopped_by is not None):
            return NodeStatus.FAILED
        if any(error.component != self.name for error in self.errors):
            return NodeStatus.FINISHED_WITH_ERRORS
        return NodeStatus.FINISHED

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

    def _reject(self, event: Any, position: int, problem: str) -> None:
        """Keep an event that breaks the market-data rules as a dead letter and report it."""
        error = DataError(BadRow(f"{self.name} data", position, None, problem, unit="bar"))
        self.bus.dead_letters.add(DeadLetter(event, self.name, error))
        ts = getattr(event, "ts_event_ns", None)
        if isinstance(ts, bool) or not isinstance(ts, int) or not -(2**63) <= ts < 2**63:
            ts = 0  # not a time: 0 rather than the wall clock keeps the event log deterministic
        self.bus.publish(
            ErrorEvent(
                ts_event_ns=ts,
                component=self.name,
                error=str(error),
                error_type="DataError",
                original_event=event,
            )
        )

    # -- faults ----------------------------------------------------------------------------

    def _on_error(self, error: ErrorEvent) -> None:
        """Count ``error`` against the strategy that raised it; live, under STOP, stop
        that strategy (the others go on)."""
        strategy = self._owner_of(error)
        if strategy is None:
            return
        name = strategy.strategy_name
        self._strategy_errors[name] = self._strategy_errors.get(name, 0) + 1
        if not self.live or self.config.on_error is not ErrorPolicy.STOP:
            return
        if self.states.get(name) is not LifecycleState.RUNNING:
            return
        self.states[name] = LifecycleState.FAILED
        strategy.detach()  # at once: it sees no further event
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._strategy_failed, strategy, error)

    def _strategy_failed(self, strategy: Strategy, error: ErrorEvent) -> None:
        """Cancel a failed strategy's working orders and publish that it failed."""
        name = strategy.strategy_name
        heartbeat = self._heartbeats.pop(name, None)
        if heartbeat is not None:
            heartbeat.stop()
        self._failed.append(name)
        if not self._failure:
            self._failure = f"strategy {name} failed: {error.error_type}: {error.error}"
        self.cancel_working_orders(strategy)
        self.lifecycle(name, LifecycleState.FAILED, f"{error.error_type}: {error.error}")
        if all(self.states.get(s.strategy_name) is LifecycleState.FAILED for s in self.strategies):
            self.stop("every strategy failed")

    def _owner_of(self, error: ErrorEvent) -> Strategy | None:
        """The strategy whose callback reported ``error``, if any: by the hook name the
        node gave it, else by the handler of the dead letter the bus kept for it."""
        for strategy in self.strategies:
            if error.component in (
                f"{strategy.strategy_name}.on_start",
                f"{strategy.strategy_name}.on_stop",
            ):
                return strategy
        if error.original_event is None:
            return None
        for letter in itertools.islice(reversed(self.bus.dead_letters.list()), 16):
            if letter.event is error.original_event:
                owner = getattr(letter.handler, "__self__", None)
                return {id(s): s for s in self.strategies}.get(id(owner))
        return None

    def working_orders(self, strategy: Strategy) -> list[str]:
        """The ids of ``strategy``'s orders that can still fill."""
        prefix = f"{strategy.strategy_name}-"
        return [
            order_id
            for order_id, update in self.orders.by_order.items()
            if order_id.startswith(prefix) and isinstance(update, _WORKING)
        ]

    def cancel_working_orders(self, strategy: Strategy) -> int:
        """Request the cancellation of each of ``strategy``'s working orders; how many."""
        working = self.working_orders(strategy)
        for order_id in working:
            self.bus.publish(CancelOrder(ts_event_ns=self.clock.now_ns(), order_id=order_id))
        return len(working)

    # -- lifecycle events and the recorder --------------------------------------------------

    def lifecycle(self, component: str, state: LifecycleState, detail: str = "") -> None:
        """Record and publish that ``component`` is now in ``state``."""
        self.states[component] = state
        self.bus.publish(
            LifecycleEvent(
                ts_event_ns=self.clock.now_ns(), component=component, state=state, detail=detail
            )
        )

    def _attach_recorder(self) -> None:
        if self.recorder is not None:
            with contextlib.suppress(RuntimeError):  # already attached (to this bus)
                self.recorder.attach(self.bus)

    def _close_recorder(self, outcome: NodeOutcome) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        portfolio = self.portfolio
        summary: dict[str, Any] = {
            "status": outcome.status,
            "events": outcome.events,
            "fills": len(self.fills),
            "final_equity": None if portfolio is None else portfolio.equity,
            "total_return": None if portfolio is None else portfolio.equity / self.config.cash - 1,
            "errors": len(outcome.errors),
            "stopped_by": outcome.stopped_by,
            "strategies": {
                s.name: {"state": s.state, "orders": s.orders, "fills": s.fills}
                for s in outcome.strategies
            },
        }
        recorder.close(summary, status=outcome.status)

    # -- the outcome -----------------------------------------------------------------------

    def _outcome(self, status: str, wall: float, *, records: bool = True) -> NodeOutcome:
        counts = dict(self.bus.get_stats()["event_counts"])
        return NodeOutcome(
            status=status,
            events=sum(counts.values()),
            event_counts=counts,
            errors=list(self.errors),
            strategies=self.strategy_stats() if records else (),
            wall_time_s=wall,
            stopped_by=self._stop_reason if status == NodeStatus.STOPPED else "",
            failure=self._failure,
            failed=tuple(self._failed),
        )

    def strategy_stats(self) -> list[StrategyStats]:
        """Each strategy's own record so far (see :class:`StrategyStats`)."""
        portfolio = self.portfolio
        alone = len(self.strategies) == 1 and portfolio is not None
        records = []
        for strategy in self.strategies:
            name = strategy.strategy_name
            prefix = f"{name}-"
            orders = [u for i, u in self.orders.by_order.items() if i.startswith(prefix)]
            if alone and portfolio is not None:
                # Every fill is this strategy's: the shared books are its own.
                books, fills = portfolio, len(self.fills)
            else:
                books = Portfolio(
                    None,
                    self.config.cash,
                    allow_nonpositive_prices=self.config.allow_nonpositive_prices,
                )
                fills = 0
                for fill in self.fills:
                    if fill.order_id.startswith(prefix):
                        books.on_fill(fill)
                        fills += 1
            errors = self._strategy_errors.get(name, 0)
            state = str(self.states.get(name, ""))
            records.append(strategy_stats(name, state, orders, fills, errors, books))
        return records


def _until_stopped(events: Iterable[Any], stop: ErrorStop) -> Iterator[Any]:
    """``events`` until ``stop`` has seen a failure (threaded mode, where it cannot raise)."""
    for event in events:
        if stop.stopped_by is not None:
            return
        yield event


def _clock_from_first(events: Iterable[Any]) -> tuple[BacktestClock, Iterable[Any]]:
    """A backtest clock that starts at the first event's time (so timers set in
    ``on_start`` count from there), and the events with the first put back."""
    iterator = iter(events)
    first = next(iterator, None)
    if first is None:
        return BacktestClock(), ()
    return BacktestClock(_time_of(first) or 0), itertools.chain((first,), iterator)


def _time_of(event: Any) -> int | None:
    ts = getattr(event, "ts_event_ns", None)
    if isinstance(ts, bool) or not isinstance(ts, int) or not -(2**63) <= ts < 2**63:
        return None
    return ts


def _timed(events: Iterable[Any], clock: BacktestClock, barrier: EventBus | None) -> Iterator[Any]:
    """``events``, with the clock moved to each one's time before it is published, which
    fires the timers due until then; ``barrier`` (threaded mode) waits for what they
    caused to be done before the event goes out."""
    for event in events:
        ts = _time_of(event)
        if ts is not None and clock.advance_to(ts) and barrier is not None:
            barrier.wait_until_system_idle()
        yield event


def _checked_at_source(events: Iterable[Any]) -> bool:
    """Whether ``events`` come from a source that applies the market-data rules itself."""
    if isinstance(events, SyntheticBars):
        return True
    # File sources live in a module that loads pyarrow: if it is not loaded, no file
    # source exists, and importing it only to find that out would cost half a second.
    sources = sys.modules.get("tickwire.data._sources")
    return sources is not None and isinstance(events, sources.BarSource)


def _events(data: DataInput, allow_nonpositive_prices: bool) -> Iterable[Any]:
    if isinstance(data, (str, Path)):
        data = [data]
    if isinstance(data, Sequence) and data and isinstance(data[0], (str, Path)):
        from tickwire.data import read_bars

        return read_bars(list(data), allow_nonpositive_prices=allow_nonpositive_prices)
    return data


def _default_instrument(events: Iterable[Any]) -> tuple[str | None, Iterable[Any]]:
    """The instrument order helpers default to: the only one the source declares, else
    the first event's (multi-instrument strategies pass ``instrument=`` explicitly)."""
    declared = getattr(events, "instruments", None)
    if declared is not None:
        names = list(declared)
        return (names[0] if len(names) == 1 else None), events
    iterator = iter(events)
    first = next(iterator, None)
    if first is None:
        return None, ()
    return getattr(first, "instrument", None), itertools.chain((first,), iterator)
