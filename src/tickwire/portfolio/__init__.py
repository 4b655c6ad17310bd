"""The portfolio: positions, cash, equity curve, round-trip trades and statistics.

:class:`Portfolio` keeps itself current from ``Fill`` and ``Bar`` events; replaying the
same fills (:meth:`Portfolio.replay`) rebuilds the same positions.
"""

from tickwire.portfolio._portfolio import Portfolio
from tickwire.portfolio.equity import EquityCurve
from tickwire.portfolio.frames import equity_frame, trades_frame
from tickwire.portfolio.position import Position, PositionState
from tickwire.portfolio.statistics import Drawdown, Statistics, compute_statistics
from tickwire.portfolio.trades import Trade, TradeBuilder

__all__ = [
    "Drawdown",
    "EquityCurve",
    "Portfolio",
    "Position",
    "PositionState",
    "Statistics",
    "Trade",
    "TradeBuilder",
    "compute_statistics",
    "equity_frame",
    "trades_frame",
]
