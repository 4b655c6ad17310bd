"""The event bus, the subscribers that run on their own threads, and the APIs of the
design documents layered on them.

The dispatch core:

- :class:`EventBus`: exact-type publish/subscribe, sync and async, weak references,
  filters, priorities, stats, error isolation with dead letters.
- :class:`ThreadedSubscriber`: a queue and a thread per subscriber, with back-pressure,
  exact counts and the idle barrier (``bus.wait_until_system_idle()``); built on the
  queue and thread of ``tickwire.bus.worker``.

The design documents' APIs, each in a module of its own:

- :class:`Subscriber` (``tickwire.bus.subscriber``): the subclass-and-override
  subscriber of the 'Event-Driven Architecture' page on threading and backtest
  determinism.
- :class:`EventEngine` / :class:`EventListener` (``tickwire.bus.event_engine``): the
  central queue engine of the 'Event-Driven Architecture' design document.
- :class:`EventManager` (``tickwire.bus.manager``) and :class:`FilterHandler` /
  :class:`ChainHandler` (``tickwire.bus.handlers``): component wiring and composable
  handlers of the 'Event-Driven Trading System Usage Guide'.
"""

from tickwire.bus._bus import EventBus
from tickwire.bus._subscription import Subscription
from tickwire.bus.dead_letters import DeadLetter, DeadLetterStore
from tickwire.bus.event_engine import EventEngine, EventListener
from tickwire.bus.handlers import ChainHandler, FilterHandler
from tickwire.bus.manager import EventManager
from tickwire.bus.policy import ErrorPolicy
from tickwire.bus.subscriber import Subscriber
from tickwire.bus.threaded import ThreadedSubscriber
from tickwire.bus.worker import Overflow

__all__ = [
    "ChainHandler",
    "DeadLetter",
    "DeadLetterStore",
    "ErrorPolicy",
    "EventBus",
    "EventEngine",
    "EventListener",
    "EventManager",
    "FilterHandler",
    "Overflow",
    "Subscriber",
    "Subscription",
    "ThreadedSubscriber",
]
