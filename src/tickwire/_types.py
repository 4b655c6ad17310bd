"""The small interfaces components see each other through, declared once.

Components never import the bus or the portfolio: they are handed something that
satisfies one of these protocols (the :class:`~tickwire.bus.EventBus`, a threaded
subscriber, a test double), so that each layer imports only the layers below it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Account", "BusLike", "EquityAccount", "Handler", "Publisher", "SubscribeAll"]

Handler = Callable[[Any], Any]
"""What a bus calls with each event."""


class Publisher(Protocol):
    """Somewhere to publish events (a bus, or a threaded subscriber in front of one)."""

    def publish(self, event: Any) -> Any:
        """Deliver ``event`` to its subscribers."""


class BusLike(Publisher, Protocol):
    """Publish and subscribe by event type: what components are attached to."""

    def subscribe(self, event_type: Any, handler: Handler, *, priority: int = ...) -> Any:
        """Deliver events of ``event_type`` to ``handler``."""

    def unsubscribe(self, event_type: Any, handler: Handler) -> Any:
        """Stop delivering ``event_type`` to ``handler``."""


class SubscribeAll(Protocol):
    """A bus that can deliver every event to one handler (what recorders attach to)."""

    def subscribe_all(self, handler: Handler, *, priority: int = ...) -> Any:
        """Deliver every event to ``handler``."""

    def unsubscribe_all(self, handler: Handler) -> Any:
        """Remove ``handler`` from every event type."""


class Account(Protocol):
    """Cash and signed net positions; the portfolio satisfies it."""

    @property
    def cash(self) -> float:
        """Cash available, in the account currency."""

    def quantity(self, instrument: str) -> float:
        """Signed net quantity held in ``instrument`` (0.0 when flat)."""


class EquityAccount(Account, Protocol):
    """An :class:`Account` that also values itself (for sizing and strategies)."""

    @property
    def equity(self) -> float:
        """Cash plus every open position marked at its last price."""
