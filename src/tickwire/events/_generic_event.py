"""The generic event, ``Event(EventType.MARKET_DATA, {...}, source=...)``, and the
:class:`EventType` categories it (and every typed event) routes under."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, ClassVar

import msgspec

from tickwire.events._base import EventBase, now_ns

__all__ = ["Event", "EventType"]

# The members of every EventType class, by name and by value. One namespace: the wire
# carries a category's name, and every process resolves it through EventType.
_by_name: dict[str, EventType] = {}
_by_value: dict[int, EventType] = {}
_value_of: dict[str, int] = {}
_explicit: set[str] = set()
"""Names whose value was given, not numbered automatically."""


def _related(cls: type) -> list[EventType]:
    """The members ``cls`` shows: its own, its bases' and (for a base) its subclasses'.

    A member belongs to the class that first declared it; a class declaring it again (a
    notebook cell run twice) shows it too.
    """
    declared = {name for klass in cls.__mro__ for name in vars(klass).get("_declared", ())}
    return [
        m
        for m in _by_name.values()
        if isinstance(m, cls) or issubclass(cls, type(m)) or str.__str__(m) in declared
    ]


class _EventTypeMeta(type):
    """Lets the EventType class be used as an enum is: iterated, sized, indexed by name."""

    def __iter__(cls) -> Iterator[EventType]:
        return iter(_related(cls))

    def __len__(cls) -> int:
        return len(_related(cls))

    def __contains__(cls, item: object) -> bool:
        return isinstance(item, str) and item in _related(cls)

    def __getitem__(cls, name: str) -> EventType:
        member = _by_name.get(name)
        if member is None or member not in _related(cls):
            raise KeyError(name)
        return member


class EventType(str, metaclass=_EventTypeMeta):
    """A named category of events, used as an enum is: ``EventType.BAR``, ``.name``,
    ``.value``, ``for t in EventType``, ``EventType["BAR"]``, ``EventType(8)``.

    Members compare equal to their names (``EventType.BAR == "BAR"``) and the wire
    carries the name, so a category survives any codec as a plain string; values are
    numbers for code that wants them and stay in the process. Add categories by
    subclassing, with explicit values::

        class AppEventType(EventType):
            ML_PREDICTION = 100
            ANOMALY_DETECTED = 101

    or with :meth:`define`. Either way the member is also ``EventType.<NAME>``.
    """

    __slots__ = ()

    MARKET_DATA: ClassVar[EventType]
    ORDER_UPDATE: ClassVar[EventType]
    TRADE_UPDATE: ClassVar[EventType]
    STRATEGY_UPDATE: ClassVar[EventType]
    ERROR: ClassVar[EventType]
    INFO: ClassVar[EventType]
    SYSTEM: ClassVar[EventType]
    BAR: ClassVar[EventType]
    SIGNAL: ClassVar[EventType]
    WEBSOCKET: ClassVar[EventType]
    ORDER_REQUEST: ClassVar[EventType]
    POSITION: ClassVar[EventType]
    TIMER: ClassVar[EventType]

    def __new__(cls, key: str | int) -> EventType:
        member = _by_value.get(key) if type(key) is int else _by_name.get(str(key))
        if member is None:
            raise ValueError(f"unknown event type {key!r}; add it with EventType.define({key!r})")
        return member

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Turn the subclass's ``NAME = <int>`` attributes into members."""
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("_") or not name.isupper():
                continue
            if type(value) is not int:
                raise TypeError(
                    f"{cls.__name__}.{name}: an EventType member takes an int value, "
                    f"like {name} = 100; got {value!r}"
                )
            cls.define(name, value)

    @classmethod
    def define(cls, name: str, value: int | None = None) -> EventType:
        """Add (or return the existing) member ``name``, reachable as ``EventType.<name>``.

        Without ``value`` the member is numbered after the highest value in use; a member
        first defined without one may be given one later. Raises ValueError for a name
        that is not an identifier or is taken by an attribute of EventType, and for a
        value that another member has or that contradicts the member's own.
        """
        if not name.isidentifier() or name.startswith("_"):
            raise ValueError(
                f"event type name must be an identifier not starting with '_', got {name!r}"
            )
        if value is not None and type(value) is not int:
            raise TypeError(f"EventType.{name}: the value must be an int, got {value!r}")
        member = _by_name.get(name)
        if member is None or (value is not None and value != _value_of[name]):
            member = _add(cls, name, value, member)
        type.__setattr__(cls, name, member)
        type.__setattr__(EventType, name, member)
        if cls is not EventType:
            type.__setattr__(cls, "_declared", (*vars(cls).get("_declared", ()), name))
        return member

    @classmethod
    def members(cls) -> tuple[EventType, ...]:
        """All members (for a subclass: the built-in ones and its own), in definition order."""
        return tuple(_related(cls))

    @property
    def name(self) -> str:
        """The member's name, which is also what the wire carries."""
        return str.__str__(self)

    @property
    def value(self) -> int:
        """The member's number (process-local: the wire carries the name)."""
        return _value_of[str.__str__(self)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


def _add(cls: type[EventType], name: str, value: int | None, member: EventType | None) -> EventType:
    """Create member ``name`` or give the existing ``member`` its first explicit value."""
    if member is None and hasattr(EventType, name):
        raise ValueError(f"{name!r} is an attribute of EventType, not a member name")
    if member is not None and name in _explicit:
        raise ValueError(
            f"EventType.{name} is already defined with the value {_value_of[name]}; "
            f"it cannot be redefined as {value}"
        )
    if value is None:
        value = max(_by_value, default=0) + 1
    else:
        taken = _by_value.get(value)
        if taken is not None:
            raise ValueError(f"EventType.{name}: the value {value} is taken by {taken!r}")
        _explicit.add(name)
    if member is None:
        member = str.__new__(cls, name)
        _by_name[name] = member
    else:
        del _by_value[_value_of[name]]
    _by_value[value] = member
    _value_of[name] = value
    return member


for _value, _name in enumerate(
    (
        # The categories of the Liquid Energy event document, with its numbers,
        "MARKET_DATA",
        "ORDER_UPDATE",
        "TRADE_UPDATE",
        "STRATEGY_UPDATE",
        "ERROR",
        "INFO",
        "SYSTEM",
        # then those of the usage guide and tickwire's own.
        "BAR",
        "SIGNAL",
        "WEBSOCKET",
        "ORDER_REQUEST",
        "POSITION",
        "TIMER",
    ),
    start=1,
):
    EventType.define(_name, _value)


class _GenericBase(EventBase, frozen=True, kw_only=True):
    """Gives generic events a default market time of 'now'. Abstract: never on the wire."""

    ts_event_ns: int = msgspec.field(default_factory=now_ns)


_UNSET: Any = object()


class _GenericMeta(msgspec.StructMeta):
    """Accepts the seed documents' keyword ``event_type=`` for the field ``type`` (the
    wire keeps the name ``type``). Only :class:`Event` pays for the extra call."""

    def __call__(cls, *args: Any, event_type: Any = _UNSET, **kwargs: Any) -> Any:
        if event_type is not _UNSET:
            if args or "type" in kwargs:
                raise TypeError("Event: give the category once, as event_type=... or type=...")
            kwargs["type"] = event_type
        return super().__call__(*args, **kwargs)


class Event(_GenericBase, frozen=True, metaclass=_GenericMeta):
    """An untyped event: a category, a payload dict and an optional source name.

    ``Event(EventType.MARKET_DATA, {...}, source="x")`` and the keyword form
    ``Event(event_type=EventType.MARKET_DATA, data={...}, source="x")`` are the same
    event; read the category back as ``event.type``. Typed events (``Bar``, ``Signal``...)
    are faster and checked; this form exists for quick integrations and for code written
    against the seed documents.
    """

    type: str = ""
    data: dict[str, Any] = {}
    source: str | None = None

    def __post_init__(self) -> None:
        member = _by_name.get(self.type) if isinstance(self.type, str) else None
        if member is None:
            raise ValueError(_unknown_type(self.type))
        if self.type is not member:  # decoded as a plain str: restore the member
            msgspec.structs.force_setattr(self, "type", member)


def _unknown_type(category: object) -> str:
    if isinstance(category, enum.Enum):
        value = category.value if type(category.value) is int else 100
        return (
            f"Event.type: {category!r} is a member of an enum of your own; categories are "
            "members of tickwire.events.EventType: declare yours as "
            f"class MyEventType(EventType): {category.name} = {value}"
        )
    return (
        f"Event.type: unknown event type {category!r}; add it with EventType.define({category!r})"
    )
