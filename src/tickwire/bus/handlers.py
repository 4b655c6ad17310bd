"""The ``FilterHandler`` and ``ChainHandler`` API of the 'Event-Driven Trading System Usage
Guide': a predicate in front of a handler, and a chain of them that stops at the first
filter that says no."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

__all__ = ["ChainHandler", "FilterHandler"]


class _Handles(Protocol):
    def handle(self, event: Any) -> Any: ...


class FilterHandler:
    """Passes an event to ``handler`` only when ``predicate(event)`` is true.

    ``handle`` returns False for a filtered-out event, else what the handler returned,
    so a :class:`ChainHandler` can stop at the first filter that says no.
    """

    def __init__(
        self, name: str, predicate: Callable[[Any], bool], handler: Callable[[Any], Any]
    ) -> None:
        self.name = name
        self.predicate = predicate
        self.handler = handler
        self.passed = 0
        self.rejected = 0

    def handle(self, event: Any) -> Any:
        if not self.predicate(event):
            self.rejected += 1
            return False
        self.passed += 1
        return self.handler(event)

    __call__ = handle


class ChainHandler:
    """Runs handlers in order; a handler that returns exactly False ends the chain."""

    def __init__(self, name: str, handlers: Sequence[_Handles | Callable[[Any], Any]]) -> None:
        self.name = name
        self.handlers = list(handlers)

    def handle(self, event: Any) -> bool:
        """True when every handler in the chain ran, False when one stopped it."""
        for handler in self.handlers:
            step = handler.handle if hasattr(handler, "handle") else handler
            if step(event) is False:
                return False
        return True

    __call__ = handle
