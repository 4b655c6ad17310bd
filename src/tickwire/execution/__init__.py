"""Execution: from signals and order requests to fills.

The flow, all through the bus (a strategy never calls the broker)::

    Signal --SignalExecutor--> SubmitOrder --RiskManager--> OrderSubmitted | OrderRejected
    OrderSubmitted --SimulatedBroker--> OrderAccepted | OrderRejected,
        then Fill + OrderPartiallyFilled / OrderFilled, or OrderCancelled

The fill rules are in :mod:`tickwire.execution._broker` and ``docs/fill_rules.md``.
"""

from tickwire._types import Account, BusLike, EquityAccount
from tickwire.execution._broker import SimulatedBroker
from tickwire.execution._circuit_breaker import BreakerState, CircuitBreaker
from tickwire.execution._costs import (
    BasisPointSlippage,
    CommissionModel,
    FixedCommission,
    PercentCommission,
    PerUnitCommission,
    SlippageModel,
    TickSlippage,
)
from tickwire.execution._risk import RiskManager
from tickwire.execution._signal_executor import SignalExecutor, order_id_for
from tickwire.execution._sizing import (
    FixedNotional,
    FixedQuantity,
    PercentOfEquity,
    SignalQuantity,
    Sizer,
)

__all__ = [
    "Account",
    "BasisPointSlippage",
    "BreakerState",
    "BusLike",
    "CircuitBreaker",
    "CommissionModel",
    "EquityAccount",
    "FixedCommission",
    "FixedNotional",
    "FixedQuantity",
    "PerUnitCommission",
    "PercentCommission",
    "PercentOfEquity",
    "RiskManager",
    "SignalExecutor",
    "SignalQuantity",
    "SimulatedBroker",
    "Sizer",
    "SlippageModel",
    "TickSlippage",
    "order_id_for",
]
