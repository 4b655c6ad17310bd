"""tickwire: event-driven algorithmic trading. One strategy; backtest, live or distributed.

What a strategy needs is importable from here: ``from tickwire import Strategy, Backtest, Bar``.
"""

from tickwire import _build
from tickwire._exceptions import (
    BusError,
    ConfigError,
    DataError,
    DecodeError,
    RunNotFound,
    StoreError,
    StrategyError,
    TickwireError,
)

# Before any compiled module loads: a stale one would run code that is no longer on disk.
_build.refuse_stale_build()

from tickwire.backtest import Backtest, BacktestResult  # noqa: E402
from tickwire.bus import (  # noqa: E402
    ChainHandler,
    EventBus,
    EventEngine,
    EventListener,
    EventManager,
    FilterHandler,
    Overflow,
    ThreadedSubscriber,
)
from tickwire.events import (  # noqa: E402
    Bar,
    BarEvent,
    CancelOrder,
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    Fill,
    Heartbeat,
    InfoEvent,
    LifecycleEvent,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    PositionChanged,
    Side,
    Signal,
    SignalEvent,
    SubmitOrder,
    Tick,
    TickEvent,
    TimeInForce,
    Trade,
    create_bar_event,
    create_signal_event,
)
from tickwire.live import WebSocketEmitter, WebSocketHandler  # noqa: E402
from tickwire.strategy import Strategy  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Backtest",
    "BacktestResult",
    "Bar",
    "BarEvent",
    "BusError",
    "CancelOrder",
    "ChainHandler",
    "ConfigError",
    "DataError",
    "DecodeError",
    "ErrorEvent",
    "Event",
    "EventBase",
    "EventBus",
    "EventEngine",
    "EventListener",
    "EventManager",
    "EventType",
    "Fill",
    "FilterHandler",
    "Heartbeat",
    "InfoEvent",
    "LifecycleEvent",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFilled",
    "OrderPartiallyFilled",
    "OrderRejected",
    "OrderSubmitted",
    "OrderType",
    "Overflow",
    "PositionChanged",
    "RunNotFound",
    "Side",
    "Signal",
    "SignalEvent",
    "StoreError",
    "Strategy",
    "StrategyError",
    "SubmitOrder",
    "ThreadedSubscriber",
    "Tick",
    "TickEvent",
    "TickwireError",
    "TimeInForce",
    "Trade",
    "WebSocketEmitter",
    "WebSocketHandler",
    "__version__",
    "create_bar_event",
    "create_signal_event",
]
