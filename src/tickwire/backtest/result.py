"""What a backtest returns: fills, orders, round trips, the equity curve and statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tickwire.events import ErrorEvent, Fill, OrderUpdate
from tickwire.events.system import RunStatus
from tickwire.portfolio import Portfolio, RoundTrip, Statistics

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

__all__ = ["BacktestResult", "ErrorKind"]


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """The errors of a run from one component with one exception type, counted."""

    component: str
    """Who failed: a handler (``Breakout.on_bar``) or ``Backtest`` for rejected bars."""
    error_type: str
    count: int
    first: ErrorEvent
    """The first of them, with its message."""
    traceback: str
    """The first traceback kept for them (``""`` if none was)."""


@dataclass
class BacktestResult:
    """The outcome of one run, as plain Python objects and as pandas DataFrames.

    Returns and drawdowns are fractions (0.05 is 5 %), a drawdown 0 or negative; see
    :mod:`tickwire.portfolio`.
    """

    strategy: str
    parameters: dict[str, Any]
    initial_cash: float
    portfolio: Portfolio = field(repr=False)
    fills: list[Fill]
    orders: list[OrderUpdate]
    """Each order's latest lifecycle event (filled, cancelled, rejected...)."""
    bars: int
    events: int
    wall_time_s: float
    statistics: Statistics
    """The run's performance figures, computed when it ended."""
    errors: list[ErrorEvent] = field(default_factory=list)
    """Every handler failure the bus reported during the run (with its traceback, for
    the first few of each kind), and every bar rejected as bad data."""
    status: str = RunStatus.FINISHED
    """How the run ended: ``finished``, ``failed`` (stopped at a handler failure) or
    ``finished with errors`` (went on past failures, as ``on_error="continue"`` asks)."""

    @property
    def ok(self) -> bool:
        """Whether the run finished without a handler failure."""
        return self.status == RunStatus.FINISHED

    def error_kinds(self) -> list[ErrorKind]:
        """``errors`` grouped by component and exception type, in order of first
        appearance: one line each is what a person needs to read."""
        kinds: dict[tuple[str, str], list[Any]] = {}
        for error in self.errors:
            key = (error.component, error.error_type)
            seen = kinds.get(key)
            if seen is None:
                kinds[key] = [1, error, error.traceback]
            else:
                seen[0] += 1
                if not seen[2]:
                    seen[2] = error.traceback
        return [ErrorKind(c, t, n, first, tb) for (c, t), (n, first, tb) in kinds.items()]

    @property
    def trades(self) -> list[RoundTrip]:
        """Round trips (entry to exit) built from the fills, in the order they closed."""
        return self.portfolio.trades

    @property
    def final_equity(self) -> float:
        """Cash plus the open positions at their last marks when the run ended."""
        return self.portfolio.equity

    @property
    def bars_per_second(self) -> float:
        """Bars over the loop's wall time (0.0 for a run too short to time)."""
        return self.bars / self.wall_time_s if self.wall_time_s > 0 else 0.0

    def equity_df(self) -> pd.DataFrame:
        """The equity curve: one row per bar time, indexed by UTC timestamp."""
        from tickwire.portfolio import equity_frame

        return equity_frame(self.portfolio.curve, initial_equity=self.initial_cash)

    def fills_df(self) -> pd.DataFrame:
        """One row per fill, in the order they happened."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        return pd.DataFrame(
            {
                "ts": pd.to_datetime([f.ts_event_ns for f in self.fills], unit="ns", utc=True),
                "instrument": [f.instrument for f in self.fills],
                "side": [str(f.side) for f in self.fills],
                "quantity": [f.quantity for f in self.fills],
                "price": [f.price for f in self.fills],
                "commission": [f.commission for f in self.fills],
                "order_id": [f.order_id for f in self.fills],
            }
        )

    def orders_df(self) -> pd.DataFrame:
        """One row per order: its latest status and, if it was refused, why."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        return pd.DataFrame(
            {
                "ts": pd.to_datetime([o.ts_event_ns for o in self.orders], unit="ns", utc=True),
                "order_id": [o.order_id for o in self.orders],
                "instrument": [o.instrument for o in self.orders],
                "status": [str(o.status) for o in self.orders],
                "reason": [getattr(o, "reason", "") for o in self.orders],
            }
        )

    def trades_df(self) -> pd.DataFrame:
        """One row per round trip (see :func:`tickwire.portfolio.trades_frame`)."""
        from tickwire.portfolio import trades_frame

        return trades_frame(self.trades)

    def summary(self) -> dict[str, Any]:
        """The headline figures as one flat dict (what the CLI prints and records)."""
        stats = self.statistics
        return {
            "strategy": self.strategy,
            "status": self.status,
            "errors": len(self.errors),
            "bars": self.bars,
            "events": self.events,
            "orders": len(self.orders),
            "fills": len(self.fills),
            "trades": len(self.trades),
            "final_equity": self.final_equity,
            "total_return": stats.total_return,
            "sharpe": stats.sharpe,
            "max_drawdown": stats.max_drawdown,
            "win_rate": stats.win_rate,
            "wall_time_s": self.wall_time_s,
            "bars_per_second": self.bars_per_second,
        }
