"""What a node's run came to: its status, counts and each strategy's own record.

A command line picks its exit code from :attr:`NodeOutcome.exit_code`; a report reads
the per-strategy :class:`StrategyStats` (orders, fills, commission, realized P&L of that
strategy's fills alone, on the one portfolio the strategies share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tickwire.events import ErrorEvent, OrderRejected, OrderUpdate
from tickwire.events.system import RunStatus
from tickwire.portfolio import Portfolio

__all__ = ["NodeOutcome", "NodeStatus", "StrategyStats", "strategy_stats"]


class NodeStatus:
    """How a node's run ended (plain strings, stored as a recorded run's status)."""

    FINISHED = RunStatus.FINISHED
    """Every event was processed (a backtest's data ran out, or every live feed ended)."""
    FINISHED_WITH_ERRORS = RunStatus.FINISHED_WITH_ERRORS
    """As FINISHED, past handler failures the node was told to continue after."""
    STOPPED = RunStatus.STOPPED
    """Stopped gracefully on request: :meth:`Node.stop`, the ``duration``, SIGINT or
    SIGTERM (:attr:`NodeOutcome.stopped_by` says which)."""
    FAILED = RunStatus.FAILED
    """A component failed to start, or a strategy failed under ``on_error="stop"``."""
    INTERRUPTED = RunStatus.INTERRUPTED
    """Cancelled from outside without a graceful stop (the task was cancelled)."""


@dataclass(frozen=True, slots=True)
class StrategyStats:
    """One strategy's own record in a node (its orders are those with its id prefix)."""

    name: str
    """The strategy's name in the node (the prefix of its order ids)."""
    state: str
    """Its last lifecycle state (``RUNNING``, ``STOPPED``, ``FAILED``...)."""
    orders: int
    """Orders it submitted (directly or through signals)."""
    fills: int
    """Fills of its orders."""
    rejected: int
    """Its orders rejected (by the risk manager or the broker)."""
    errors: int
    """Failures of its callbacks."""
    commission: float
    """Commission paid on its fills."""
    realized_pnl: float
    """Realized profit and loss of its fills alone."""
    round_trips: int
    """Positions it opened and closed."""


def strategy_stats(
    name: str, state: str, orders: Sequence[OrderUpdate], fills: int, errors: int, books: Portfolio
) -> StrategyStats:
    """The record of a strategy from its orders (their latest updates), how many fills
    they had and ``books``, the positions of its fills alone."""
    return StrategyStats(
        name=name,
        state=state,
        orders=len(orders),
        fills=fills,
        rejected=sum(type(update) is OrderRejected for update in orders),
        errors=errors,
        commission=books.commission,
        realized_pnl=books.realized_pnl,
        round_trips=len(books.trades),
    )


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """The end of a node's run: what a CLI needs to report and pick an exit code."""

    status: str
    """A :class:`NodeStatus` value."""
    events: int
    """Events published on the bus, every type."""
    event_counts: dict[str, int]
    """Events published, by type name."""
    errors: Sequence[ErrorEvent]
    """Every ErrorEvent published (handler failures with their tracebacks, bad input)."""
    strategies: Sequence[StrategyStats]
    """Each strategy's record, in the order they were added."""
    wall_time_s: float
    """Seconds from start to the end of the stop."""
    stopped_by: str = ""
    """What asked for the stop (``"SIGINT"``, ``"SIGTERM"``, ``"stop()"``, ``"duration"``)
    when the status is STOPPED; ``""`` otherwise."""
    failure: str = ""
    """Why the node failed (a component that did not start, the strategy that failed)."""
    failed: Sequence[str] = field(default=())
    """The components that failed (strategies included)."""

    @property
    def exit_code(self) -> int:
        """0 for a clean finish or stop, 1 for a failure or a strategy's errors (also
        under ``on_error="continue"``), 130 when interrupted."""
        if self.status == NodeStatus.INTERRUPTED:
            return 130
        clean = not self.failed and not any(s.errors for s in self.strategies)
        if self.status in (NodeStatus.FINISHED, NodeStatus.STOPPED) and clean:
            return 0
        return 1
