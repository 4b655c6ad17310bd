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

The run itself is a :class:`tickwire.node.Node` (the one composition root of backtests
and live sessions); this class keeps the backtest's own signature and builds its
:class:`BacktestResult`. ``strategy`` may also be a list of Strategy instances: they
share the portfolio, each with its own order ids (see :mod:`tickwire.node`).

Data enters here, so bars are checked here with ``tickwire.events.market_data_problem``:
a bar that breaks the rules is not published; it becomes an :class:`ErrorEvent` (in
``result.errors``) and a dead letter (``bus.dead_letters``), and the run goes on. Sources
that apply the same rules as they read (``read_bars``, ``synthetic_bars``) are not
checked twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from tickwire._exceptions import ConfigError
from tickwire.backtest.result import BacktestResult
from tickwire.bus import ErrorPolicy, EventBus
from tickwire.execution import Sizer
from tickwire.node import BrokerConfig, Node, NodeConfig, RiskConfig
from tickwire.node._node import BROKER_PRIORITY, PORTFOLIO_PRIORITY, STRATEGY_PRIORITY, DataInput
from tickwire.strategy import Strategy
from tickwire.strategy.loading import build_strategy

__all__ = ["BROKER_PRIORITY", "PORTFOLIO_PRIORITY", "STRATEGY_PRIORITY", "Backtest"]

_COMPONENT = "Backtest"
"""The component of the ErrorEvents that report rejected bars (which never stop a run)."""


class Backtest:
    """One backtest: ``Backtest(strategy=EmaCross, data="bars.csv", cash=100_000).run()``.

    ``strategy`` is a Strategy class (built with ``params``), an instance, or a list of
    instances. ``data`` is an iterable of :class:`Bar` (or :class:`Tick`) events
    (time-ordered) or CSV/Parquet path(s). Options of the broker (``commission``,
    ``slippage``, ``volume_cap``...) and the risk manager go in ``broker`` and ``risk``
    (a mapping or a :class:`~tickwire.node.BrokerConfig` / ``RiskConfig``). Signals a
    strategy emits become orders through a :class:`SignalExecutor` sized by ``sizer``
    (default: the signal's quantity). ``allow_nonpositive_prices=True`` admits zero and
    negative prices (in bars and files, in the portfolio's marks, in the broker's and
    risk manager's orders) for instruments that trade there; by default such a bar is
    rejected as bad data. ``on_error`` says what a handler failure does (see
    :class:`~tickwire.bus.ErrorPolicy`; the run's ``status`` tells the outcome).
    ``periods_per_year`` annualises the ratios; by default it is counted from the
    trading sessions in the data (see :mod:`tickwire.portfolio.statistics`). Options
    that cannot make sense (cash not above 0, a negative commission) raise ConfigError
    here, before anything runs.
    """

    def __init__(
        self,
        strategy: Strategy | type[Strategy] | Sequence[Strategy],
        data: DataInput,
        cash: float = 100_000.0,
        *,
        params: Mapping[str, Any] | None = None,
        broker: Mapping[str, Any] | BrokerConfig | None = None,
        risk: Mapping[str, Any] | RiskConfig | None = None,
        sizer: Sizer | None = None,
        mode: Literal["sync", "threaded"] = "sync",
        allow_nonpositive_prices: bool = False,
        on_error: ErrorPolicy | str = ErrorPolicy.STOP,
        periods_per_year: float | None = None,
    ) -> None:
        if isinstance(strategy, type):
            self.strategies = [build_strategy(strategy, dict(params or {}))]
        else:
            if params:
                raise ConfigError("pass params only with a Strategy class, not an instance")
            self.strategies = [strategy] if isinstance(strategy, Strategy) else list(strategy)
        if not self.strategies:
            raise ConfigError("Backtest: no strategy given")
        self.strategy: Strategy = self.strategies[0]
        """The (first) strategy."""
        if mode not in ("sync", "threaded"):
            raise ConfigError(f"mode must be 'sync' or 'threaded', got {mode!r}")
        self.data = data
        self.cash = _cash(cash)
        self.mode = mode
        self.on_error = ErrorPolicy.parse(on_error)
        broker_config = (
            broker if isinstance(broker, BrokerConfig) else BrokerConfig.from_mapping(broker or {})
        )
        risk_config = risk if isinstance(risk, RiskConfig) else RiskConfig.from_mapping(risk or {})
        self.broker_options = broker_config.options()
        self.risk_options = risk_config.options()
        self.sizer = sizer
        self.allow_nonpositive_prices = bool(allow_nonpositive_prices)
        if periods_per_year is not None and not (0.0 < periods_per_year < float("inf")):
            raise ConfigError(f"periods_per_year must be positive, got {periods_per_year!r}")
        self.periods_per_year = periods_per_year
        self.config = NodeConfig(
            cash=self.cash,
            broker=broker_config,
            risk=risk_config,
            sizer=sizer,
            on_error=self.on_error,
            allow_nonpositive_prices=self.allow_nonpositive_prices,
            periods_per_year=periods_per_year,
            mode=mode,
        )
        """The typed configuration of the node the run uses."""
        self.bus = EventBus()
        """The run's bus: subscribe to it before ``run()`` to observe every event."""
        self._node = self._build_node()

    def _build_node(self) -> Node:
        try:
            return Node(
                self.strategies, data=self.data, config=self.config, bus=self.bus, name=_COMPONENT
            )
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("Node:", "Backtest:", 1)) from exc

    def run(self) -> BacktestResult:
        """Feed every bar through the system and return the result."""
        node = self._node
        outcome = node.run_backtest(records=False)
        portfolio = node.portfolio
        assert portfolio is not None  # wired by the run
        strategy = self.strategies[0]
        several = len(self.strategies) > 1
        return BacktestResult(
            strategy=",".join(s.strategy_name for s in self.strategies),
            parameters=(
                {s.strategy_name: s.params for s in self.strategies} if several else strategy.params
            ),
            initial_cash=self.cash,
            portfolio=portfolio,
            fills=node.fills,
            orders=list(node.orders.by_order.values()),
            bars=outcome.event_counts.get("Bar", 0),
            events=outcome.events,
            wall_time_s=outcome.wall_time_s,
            statistics=portfolio.statistics(periods_per_year=self.periods_per_year),
            errors=node.errors,
            status=outcome.status,
        )

    @property
    def node(self) -> Node:
        """The node that runs (or ran) this backtest: its per-strategy records and clock."""
        return self._node


def _cash(cash: float) -> float:
    """Starting cash as a float; ConfigError unless it is a finite number above 0."""
    try:
        value = float(cash)
    except (TypeError, ValueError):
        raise ConfigError(f"Backtest: cash must be a number, got {cash!r}") from None
    if isinstance(cash, bool) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"Backtest: cash must be finite and above 0, got {cash!r}")
    return value
