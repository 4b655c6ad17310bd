"""Which event types cross the wire: the built-in ones, and user types registered by name.

Every encoded event is a map whose ``_type`` entry is its tag (the class name unless the
class sets ``tag="..."``); a decoder turns a tag back into a class only through this
registry. The built-in types are a fixed tuple, so their tags cannot be shadowed; a user
type is decodable once :func:`register_event_type` has been called on it in the process
that decodes. Abstract bases (:class:`EventBase`, :class:`OrderUpdate`) are never on the
wire. What may change in a registered type once its events are stored is in
``docs/events.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from tickwire.events._base import EventBase
from tickwire.events._generic_event import Event, _GenericBase
from tickwire.events.feeds import FeedGap, FeedStatus, WebSocketMessage
from tickwire.events.market import Bar, Tick, Trade
from tickwire.events.system import ErrorEvent, Heartbeat, InfoEvent, LifecycleEvent
from tickwire.events.time import TimerEvent
from tickwire.events.trading import (
    CancelOrder,
    Fill,
    KillSwitch,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    OrderUpdate,
    PositionChanged,
    Signal,
    SubmitOrder,
)

__all__ = [
    "BUILTIN_EVENT_TYPES",
    "WIRE_VERSION",
    "on_change",
    "register_event_type",
    "registered_event_types",
    "tag_problem",
]

E = TypeVar("E", bound=EventBase)

WIRE_VERSION = 3
"""The version of the built-in event types' wire format: bumped, with a new
``tests/events/wire/v<N>.jsonl``, whenever a built-in type gains a field or a type is
added (the changes ``docs/events.md`` allows); a peer can compare it with its own."""

BUILTIN_EVENT_TYPES: tuple[type[EventBase], ...] = (
    Tick,
    Trade,
    Bar,
    Signal,
    SubmitOrder,
    KillSwitch,
    CancelOrder,
    OrderSubmitted,
    OrderAccepted,
    OrderRejected,
    OrderPartiallyFilled,
    OrderFilled,
    OrderCancelled,
    Fill,
    PositionChanged,
    ErrorEvent,
    InfoEvent,
    LifecycleEvent,
    Heartbeat,
    Event,
    FeedStatus,
    WebSocketMessage,
    FeedGap,
    TimerEvent,
)
"""The event types tickwire defines, decodable everywhere; their tags are their names."""

_ABSTRACT: tuple[type[EventBase], ...] = (EventBase, OrderUpdate, _GenericBase)

_lock = threading.Lock()
_by_tag: dict[str, type[EventBase]] = {}
_listeners: list[Callable[[tuple[type[EventBase], ...]], None]] = []


def _tag(cls: type[EventBase]) -> object:
    return cls.__struct_config__.tag


for _cls in BUILTIN_EVENT_TYPES:
    _by_tag[str(_tag(_cls))] = _cls


def registered_event_types() -> tuple[type[EventBase], ...]:
    """The decodable event types: the built-in ones, then user types in registration order."""
    return tuple(_by_tag.values())


def register_event_type(cls: type[E]) -> type[E]:
    """Make the user event type ``cls`` decodable in this process (and routable by
    ``EventManager``'s ``on_<name>`` discovery); returns ``cls``, so it works as a decorator.

    Raises TypeError when ``cls`` is not a concrete event class or its tag is taken by
    another type, a built-in one included. Registering the same class again does
    nothing; a class of the same module and qualified name as the registered one (its
    definition run again, as in a notebook) replaces it.
    """
    if not isinstance(cls, type) or not issubclass(cls, EventBase):
        raise TypeError(f"register_event_type: expected an EventBase subclass, got {cls!r}")
    name = f"{cls.__module__}.{cls.__qualname__}"
    if cls in _ABSTRACT:
        raise TypeError(f"register_event_type: {name} is an abstract base, not an event type")
    config = cls.__struct_config__
    if not config.frozen:
        raise TypeError(f"register_event_type: {name} must be declared with frozen=True")
    tag = config.tag
    if config.tag_field != "_type" or not isinstance(tag, str) or not tag:
        raise TypeError(
            f"register_event_type: {name} must keep the tag field '_type' and have a "
            f"string tag, got tag_field={config.tag_field!r}, tag={tag!r}"
        )
    with _lock:
        taken = _by_tag.get(tag)
        if taken is cls:
            return cls
        if taken is not None and not _redefines(cls, taken):
            owner = "built-in event type" if taken in BUILTIN_EVENT_TYPES else "event type"
            raise TypeError(
                f"register_event_type: {name} has the tag {tag!r}, already the tag of the "
                f"{owner} {taken.__module__}.{taken.__qualname__}; give it one of its own: "
                f'class {cls.__name__}(..., tag="yourpackage.{cls.__name__}")'
            )
        updated = dict(_by_tag)
        updated[tag] = cls
        types = tuple(updated.values())
        try:
            for listener in _listeners:  # the codec's decoders, built before the type counts
                listener(types)
        except (TypeError, NameError) as exc:  # an unsupported or unresolvable field type
            raise TypeError(f"register_event_type: {name} cannot be decoded: {exc}") from exc
        _by_tag[tag] = cls
    return cls


def _redefines(cls: type[EventBase], registered: type[EventBase]) -> bool:
    if registered in BUILTIN_EVENT_TYPES:
        return False
    return (cls.__module__, cls.__qualname__) == (registered.__module__, registered.__qualname__)


def tag_problem(tag: object) -> str | None:
    """Why events tagged ``tag`` cannot be decoded here (unknown, abstract), or None."""
    if isinstance(tag, str) and tag in _by_tag:
        return None
    if not isinstance(tag, str):
        return f"the event tag '_type' must be a string, got {tag!r}"
    for cls in _ABSTRACT:
        if tag == _tag(cls):
            return f"{tag!r} is an abstract event base, never an event on the wire"
    return (
        f"unknown event type {tag!r}: a user-defined event type is decodable only in a "
        f"process that has registered it, with tickwire.events.register_event_type({tag}) "
        "(or the @register_event_type decorator on its class)"
    )


def on_change(listener: Callable[[tuple[type[EventBase], ...]], None]) -> None:
    """Call ``listener`` with the decodable types now and whenever a type is registered
    (before the registration takes effect: if it raises, the registration fails)."""
    with _lock:
        listener(registered_event_types())
        _listeners.append(listener)
