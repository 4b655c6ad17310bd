"""The portfolio: positions, cash, equity curve, round trips and statistics.

:class:`Portfolio` keeps itself current from ``Fill`` and ``Bar`` events; replaying the
same fills (:meth:`Portfolio.replay`) rebuilds the same positions. Each closed position
becomes a :class:`RoundTrip` (not to be confused with ``tickwire.events.Trade``, a
market print).

Units, the same in every record, frame and summary: money in the account currency;
returns, rates, exposure and drawdowns as fractions (0.05 is 5 %), never percent. A
drawdown is the return from the running peak, so it is 0 or negative (-0.064: 6.4 %
below the peak), in :class:`Statistics`, :func:`equity_frame` and the report alike.
Percent appears only in text for people (the HTML report, the command line's table).
"""

from tickwire.portfolio._portfolio import Portfolio
from tickwire.portfolio.equity import EquityCurve
from tickwire.portfolio.frames import equity_frame, trades_frame
from tickwire.portfolio.position import Position, PositionState
from tickwire.portfolio.statistics import Drawdown, Statistics, compute_statistics
from tickwire.portfolio.trades import RoundTrip, RoundTripBuilder

__all__ = [
    "Drawdown",
    "EquityCurve",
    "Portfolio",
    "Position",
    "PositionState",
    "RoundTrip",
    "RoundTripBuilder",
    "Statistics",
    "compute_statistics",
    "equity_frame",
    "trades_frame",
]
