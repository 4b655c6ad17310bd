"""The event bus and the seed-facing APIs layered on it.

- :class:`EventBus`: exact-type publish/subscribe, sync and async, weak references,
  filters, priorities, stats, error isolation with dead letters.
- :class:`ThreadedSubscriber`: a queue and a thread per subscriber, with back-pressure
  and the idle barrier (``bus.wait_until_system_idle()``).
- :class:`EventEngine` / :class:`EventListener`: a central queue engine (seed 002).
- :class:`EventManager`: wires components' ``on_<type>`` methods (seed 003).
- :class:`FilterHandler` / :class:`ChainHandler`: composable handlers (seed 003).
"""

from tickwire.bus._bus import EventBus
from tickwire.bus._subscription import Subscription
from tickwire.bus.dead_letters import DeadLetter, DeadLetterStore
from tickwire.bus.engine import EventEngine, EventListener
from tickwire.bus.handlers import ChainHandler, FilterHandler
from tickwire.bus.manager import EventManager
from tickwire.bus.threaded import Overflow, ThreadedSubscriber

__all__ = [
    "ChainHandler",
    "DeadLetter",
    "DeadLetterStore",
    "EventBus",
    "EventEngine",
    "EventListener",
    "EventManager",
    "FilterHandler",
    "Overflow",
    "Subscription",
    "ThreadedSubscriber",
]
