# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""A subscription: one handler for one event key, and the callable the bus dispatches to."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["Handler", "Key", "Subscription", "handler_name"]

Handler = Callable[[Any], Any]
Key = type | str | None
"""An event class, an EventType name, or None for 'every event'."""


def handler_name(handler: Any) -> str:
    """A readable name for a handler, used in stats and dead letters."""
    owner = getattr(handler, "__self__", None)
    func = getattr(handler, "__func__", handler)
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    if owner is not None and not name.startswith(type(owner).__qualname__):
        return f"{type(owner).__qualname__}.{name}"
    return str(name)


class Subscription:
    """One handler subscribed to one key; ``call`` is what the dispatch loop invokes.

    ``name`` (default: the handler's qualified name) is how stats and dead letters call
    the handler. With weak references the handler's owner may be collected; ``call`` then does
    nothing and ``on_dead`` is told so the bus can prune the subscription.
    """

    __slots__ = (
        "_ref",
        "_strong",
        "call",
        "filter",
        "is_async",
        "key",
        "name",
        "priority",
        "seq",
    )

    def __init__(
        self,
        key: Key,
        handler: Handler,
        *,
        priority: int,
        seq: int,
        filter: Callable[[Any], bool] | None,
        weak: bool,
        on_dead: Callable[[Subscription], None],
        name: str | None = None,
    ) -> None:
        self.key = key
        self.priority = priority
        self.seq = seq
        self.filter = filter
        self.name = handler_name(handler) if name is None else name
        self.is_async = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
            getattr(handler, "__call__", None)  # noqa: B004  (async callable objects)
        )
        self._ref: weakref.WeakMethod[Any] | None = None
        if weak and inspect.ismethod(handler):
            self._ref = weakref.WeakMethod(handler, _notify_dead(self, on_dead))
        self.call = self._make_call(handler)

    @property
    def handler(self) -> Handler | None:
        """The subscribed handler, or None when it was weakly held and has been collected."""
        if self._ref is not None:
            return self._ref()
        return self._strong

    @property
    def alive(self) -> bool:
        return self.handler is not None

    def _make_call(self, handler: Handler) -> Handler:
        predicate = self.filter
        ref = self._ref
        self._strong = None if ref is not None else handler
        if ref is None and predicate is None:
            return handler
        if ref is None:
            assert predicate is not None
            if self.is_async:

                async def filtered_async(event: Any) -> Any:
                    if predicate(event):
                        return await handler(event)
                    return None

                return filtered_async

            def filtered(event: Any) -> Any:
                if predicate(event):
                    return handler(event)
                return None

            return filtered
        return _weak_call(ref, predicate, self.is_async)

    def matches(self, handler: Handler) -> bool:
        """True when this subscription is for ``handler`` (bound methods compare by value)."""
        current = self.handler
        return current is not None and (current is handler or current == handler)


# Closures are built by these functions rather than inline: compiled by mypyc, a nested
# function keeps every local of its enclosing function alive, so an inline closure would
# hold the weakly subscribed handler strongly.


def _notify_dead(
    sub: Subscription, on_dead: Callable[[Subscription], None]
) -> Callable[[Any], None]:
    """The weakref callback: tells the bus that ``sub``'s owner was collected.

    It holds ``sub`` strongly (compiled classes cannot be weakly referenced), a cycle the
    collector frees once the bus has dropped the subscription.
    """

    def dead(_: Any) -> None:
        on_dead(sub)

    return dead


def _weak_call(
    ref: weakref.WeakMethod[Any], predicate: Callable[[Any], bool] | None, is_async: bool
) -> Handler:
    """What the bus calls for a weakly held handler: nothing once its owner is gone."""
    if is_async:

        async def weak_async(event: Any) -> Any:
            target = ref()
            if target is not None and (predicate is None or predicate(event)):
                return await target(event)
            return None

        return weak_async

    def weak(event: Any) -> Any:
        target = ref()
        if target is not None and (predicate is None or predicate(event)):
            return target(event)
        return None

    return weak
