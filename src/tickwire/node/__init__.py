"""One runtime for backtests and live sessions: the :class:`Node` and its configuration.

A node is the one composition root: it wires the bus, a clock (market time in a
backtest, wall time live), the data (historical events, or live data clients such as
:class:`~tickwire.live.WebSocketFeed`), the simulated broker behind the risk manager and
the signal executor, one portfolio, one or more strategies and an optional recorder.
``Backtest`` is a thin use of it; so is ``tickwire live``.

Several strategies share the portfolio; each has its own order ids (its name, then
``-``; a second instance of a class becomes ``Name.2``), its own timers and its own
record (:class:`StrategyStats`).

Strategy faults follow ``NodeConfig.on_error`` (:class:`~tickwire.bus.ErrorPolicy`):

- in a backtest, ``stop`` ends the run at the failure (status ``failed``) and
  ``continue`` goes on (``finished with errors``);
- live, ``stop`` stops the failing strategy only: it is detached at once, its working
  orders are cancelled, it is marked ``FAILED`` (a :class:`~tickwire.events.LifecycleEvent`),
  the other strategies go on, and the outcome is ``failed`` (exit code 1); ``continue``
  keeps it running. Either way the traceback is in the :class:`~tickwire.events.ErrorEvent`.
"""

from tickwire.node._components import DataClient
from tickwire.node._node import Node
from tickwire.node._outcome import NodeOutcome, NodeStatus, StrategyStats
from tickwire.node.config import BrokerConfig, NodeConfig, RiskConfig

__all__ = [
    "BrokerConfig",
    "DataClient",
    "Node",
    "NodeConfig",
    "NodeOutcome",
    "NodeStatus",
    "RiskConfig",
    "StrategyStats",
]
