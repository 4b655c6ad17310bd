"""The ``EventManager`` API of the 'Event-Driven Trading System Usage Guide': register a
component with the event types it handles, and each type is routed to the component's
``on_<type>`` method (``EventType.BAR`` to ``on_bar``, ``OrderFilled`` to
``on_order_filled``); the manager also starts and stops the components together."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tickwire.bus._bus import EventBus
from tickwire.bus._subscription import Handler, Key
from tickwire.events import EventType, registered_event_types

__all__ = ["EventManager"]


def handler_method_name(event_type: Key) -> str:
    """``EventType.BAR`` -> ``on_bar``; ``OrderFilled`` -> ``on_order_filled``."""
    if isinstance(event_type, type):
        return "on_" + re.sub(r"(?<!^)(?=[A-Z])", "_", event_type.__name__).lower()
    if isinstance(event_type, str):
        return "on_" + event_type.lower()
    raise TypeError(f"cannot route events of type key {event_type!r}")


@dataclass
class _Registration:
    component: Any
    routes: list[tuple[Key, Handler]] = field(default_factory=list)
    started: bool = False


class EventManager:
    """Registers components on a bus and starts and stops them together."""

    def __init__(self, event_bus: EventBus) -> None:
        self.event_bus = event_bus
        self._components: dict[str, _Registration] = {}

    def register_component(
        self,
        name: str,
        component: Any,
        event_types: Iterable[Key] | None = None,
    ) -> None:
        """Subscribe ``component.on_<type>`` for each type (sync or async).

        Without ``event_types``, every ``on_<x>`` method that names a known event class
        or :class:`EventType` is subscribed. Falls back to ``handle_event``/``on_event``.
        Calls ``component.set_event_bus(bus)`` when the component has it.
        """
        if name in self._components:
            raise ValueError(f"a component named {name!r} is already registered")
        types = list(event_types) if event_types is not None else _discover(component)
        routes: list[tuple[Key, Handler]] = []
        for event_type in types:
            method = _find_handler(component, event_type)
            if method is None:
                raise TypeError(
                    f"component {name!r} has no {handler_method_name(event_type)}(event), "
                    f"handle_event(event) or on_event(event) for {event_type!r}"
                )
            routes.append((event_type, method))
        registration = _Registration(component, routes)
        self._components[name] = registration
        setter = getattr(component, "set_event_bus", None)
        if callable(setter):
            setter(self.event_bus)
        for event_type, method in routes:
            self.event_bus.subscribe(event_type, method)

    def unregister_component(self, name: str) -> Any:
        """Unsubscribe the component (stopping it if it was started); returns it."""
        registration = self._components.pop(name, None)
        if registration is None:
            raise KeyError(f"no component named {name!r} is registered")
        for event_type, method in registration.routes:
            self.event_bus.unsubscribe(event_type, method)
        if registration.started:
            _call_lifecycle(registration.component, "stop")
        return registration.component

    def get_component(self, name: str) -> Any:
        return self._components[name].component

    @property
    def components(self) -> dict[str, Any]:
        return {name: r.component for name, r in self._components.items()}

    def start(self) -> None:
        """Call ``start()`` on each component that has one, in registration order."""
        for registration in self._components.values():
            if not registration.started:
                _call_lifecycle(registration.component, "start")
                registration.started = True

    def stop(self) -> None:
        """Call ``stop()`` on started components, in reverse registration order."""
        for registration in reversed(self._components.values()):
            if registration.started:
                _call_lifecycle(registration.component, "stop")
                registration.started = False

    async def start_async(self) -> None:
        """Like :meth:`start`, awaiting coroutine ``start`` methods."""
        for registration in self._components.values():
            if not registration.started:
                await _await_lifecycle(registration.component, "start")
                registration.started = True

    async def stop_async(self) -> None:
        """Like :meth:`stop`, awaiting coroutine ``stop`` methods."""
        for registration in reversed(self._components.values()):
            if registration.started:
                await _await_lifecycle(registration.component, "stop")
                registration.started = False


def _find_handler(component: Any, event_type: Key) -> Handler | None:
    for attr in (handler_method_name(event_type), "handle_event", "on_event"):
        method = getattr(component, attr, None)
        if callable(method):
            return method  # type: ignore[no-any-return]
    return None


def _discover(component: Any) -> list[Key]:
    # Event classes known by name: the built-in ones and user types registered with
    # tickwire.events.register_event_type (abstract bases are neither).
    by_name: dict[str, Key] = {handler_method_name(t): t for t in EventType.members()}
    for cls in registered_event_types():
        by_name.setdefault(handler_method_name(cls), cls)
    found = [by_name[attr] for attr in dir(component) if attr in by_name]
    if not found:
        raise TypeError(
            f"{type(component).__name__} has no on_<event> methods; pass event_types explicitly"
        )
    return found


def _call_lifecycle(component: Any, method_name: str) -> None:
    method = getattr(component, method_name, None)
    if not callable(method):
        return
    result = method()
    if inspect.isawaitable(result):
        asyncio.run(_wait(result))


async def _await_lifecycle(component: Any, method_name: str) -> None:
    method = getattr(component, method_name, None)
    if callable(method):
        result = method()
        if inspect.isawaitable(result):
            await result


async def _wait(awaitable: Any) -> None:
    await awaitable
