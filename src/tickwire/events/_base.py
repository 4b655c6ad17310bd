"""The root of every tickwire event: two nanosecond timestamps, immutable, slotted."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

__all__ = ["EventBase", "new_id", "now_ns"]

now_ns = time.time_ns
"""Wall-clock time in nanoseconds since the epoch (the source of ``ts_created_ns``)."""


def new_id() -> str:
    """A unique id for events that must be processed once (32 hex characters)."""
    return uuid.uuid4().hex


class _NoDataclass:
    """Makes ``@dataclasses.dataclass`` on an event class fail where it is written, with
    the form that works, instead of ``AttributeError: readonly attribute``.

    The decorator reads ``__dataclass_fields__`` from every base of the class it
    decorates; that read raises TypeError. Every other read (``dataclasses.is_dataclass``,
    ``hasattr``) finds no such attribute. A metaclass could catch the decorator too, but
    any metaclass of our own would slow the construction of every event.
    """

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        caller = sys._getframe(1)
        if caller.f_code.co_name == "_process_class" and (
            caller.f_globals.get("__name__") == "dataclasses"
        ):
            raise TypeError(_dataclass_message(caller.f_locals.get("cls")))
        raise AttributeError("__dataclass_fields__")


def _dataclass_message(cls: object) -> str:
    if not isinstance(cls, type):
        cls, bases, fields = None, "EventBase", ["    ..."]
    else:
        bases = ", ".join(base.__name__ for base in cls.__bases__)
        annotations = vars(cls).get("__annotations__", {})
        fields = [
            f"    {name}: {kind.__name__ if isinstance(kind, type) else kind}"
            for name, kind in annotations.items()
        ] or ["    ..."]
    name = "MyEvent" if cls is None else cls.__name__
    return "\n".join(
        [
            f"@dataclasses.dataclass cannot make {name} an event: tickwire events are msgspec "
            "structs, already immutable, keyword-only and slotted. Drop the decorator and "
            "declare the options on the class:",
            "",
            f"class {name}({bases}, frozen=True, kw_only=True):",
            *fields,
            "",
            "and decorate it with @tickwire.events.register_event_type to send, store or "
            "read it as bytes (docs/events.md).",
        ]
    )


class EventBase(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag=True,
    tag_field="_type",
):
    """Base of all events. Subclass it (as a frozen struct) to add your own event type,
    and register the subclass (:func:`~tickwire.events.register_event_type`) to send,
    store or read it as bytes.

    ``ts_event_ns`` is when the fact happened in market time; ``ts_created_ns`` is the
    wall-clock time the object was made and is filled in automatically. On the wire an
    event is a map whose ``_type`` entry is its tag: its class name unless the class
    says ``tag="..."``.
    """

    ts_event_ns: int
    ts_created_ns: int = msgspec.field(default_factory=now_ns)

    event_type: ClassVar[str | None] = None
    """The generic :class:`EventType` category this class also routes under, if any."""

    __dataclass_fields__ = _NoDataclass()

    @property
    def timestamp(self) -> datetime:
        """``ts_event_ns`` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.ts_event_ns / 1e9, tz=UTC)

    def get_symbol(self) -> str | None:
        """The instrument the event is about, or None (seed-compatible accessor)."""
        return getattr(self, "instrument", None)
