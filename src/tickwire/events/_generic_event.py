"""The generic event, ``Event(EventType.MARKET_DATA, {...}, source=...)``, and the
:class:`EventType` categories it (and every typed event) routes under."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from tickwire.events._base import EventBase, now_ns

__all__ = ["Event", "EventType"]


class EventType(str):
    """A named category of generic events; extend it with :meth:`define`.

    Members compare equal to their names (``EventType.BAR == "BAR"``), so they survive
    any codec as plain strings.
    """

    __slots__ = ()
    _members: ClassVar[dict[str, EventType]] = {}

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

    def __new__(cls, name: str) -> EventType:
        try:
            return cls._members[name]
        except KeyError:
            raise ValueError(
                f"unknown event type {name!r}; add it with EventType.define({name!r})"
            ) from None

    @classmethod
    def define(cls, name: str) -> EventType:
        """Add (or return the existing) member ``name``; also reachable as ``EventType.<name>``."""
        if not name.isidentifier():
            raise ValueError(f"event type name must be an identifier, got {name!r}")
        member = cls._members.get(name)
        if member is None:
            member = str.__new__(cls, name)
            cls._members[name] = member
            setattr(cls, name, member)
        return member

    @classmethod
    def members(cls) -> tuple[EventType, ...]:
        """All defined members, in definition order."""
        return tuple(cls._members.values())

    @property
    def name(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"EventType.{self.name}"


for _name in (
    "MARKET_DATA",
    "ORDER_UPDATE",
    "TRADE_UPDATE",
    "STRATEGY_UPDATE",
    "ERROR",
    "INFO",
    "SYSTEM",
    "BAR",
    "SIGNAL",
    "WEBSOCKET",
    "ORDER_REQUEST",
    "POSITION",
    "TIMER",
):
    EventType.define(_name)


class _GenericBase(EventBase, frozen=True, kw_only=True):
    """Gives generic events a default market time of 'now'. Abstract: never on the wire."""

    ts_event_ns: int = msgspec.field(default_factory=now_ns)


class Event(_GenericBase, frozen=True):
    """An untyped event: a category, a payload dict and an optional source name.

    Typed events (``Bar``, ``Signal``...) are faster and checked; this form exists for
    quick integrations and for code written against the seed documents.
    """

    type: str = ""
    data: dict[str, Any] = {}
    source: str | None = None

    def __post_init__(self) -> None:
        member = EventType._members.get(self.type)
        if member is None:
            raise ValueError(
                f"Event.type: unknown event type {self.type!r}; "
                f"add it with EventType.define({self.type!r})"
            )
        if self.type is not member:  # decoded as a plain str: restore the member
            msgspec.structs.force_setattr(self, "type", member)
