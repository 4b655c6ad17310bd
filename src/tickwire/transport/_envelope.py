# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The wire format: one ZeroMQ frame per message, a topic, a space, then a msgpack envelope.

::

    frame    = topic (UTF-8, no space) + b" " + msgpack([version, type, sender, seq, events])
    events   = [event, ...]  each a map as tickwire.events.codec encodes it ("_type" first)

``seq`` numbers the events of one sender on one topic (the first event of the message;
the next message starts at ``seq + len(events)``). Every event of a message has the type
``type`` and belongs on ``topic``. Decoding trusts nothing: each event goes through the
events codec's checks, and a frame that breaks any rule raises :class:`DecodeError`
naming what. ``docs/transport.md`` is the byte-level description for other programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Union

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events import (
    Bar,
    ErrorEvent,
    EventBase,
    Signal,
    Tick,
    Trade,
    _registry,
    checked_event,
)
from tickwire.events import decode as decode_event
from tickwire.events._validation import DECODED_OK
from tickwire.events.delivery import SignalAck
from tickwire.transport._wire import Incoming, Outgoing

__all__ = [
    "TOPIC_SEPARATOR",
    "WIRE_FORMAT_VERSION",
    "FrameEncoder",
    "Message",
    "decode_frame",
    "event_tag",
    "topic_for",
]

WIRE_FORMAT_VERSION = 1
"""The envelope's version (element 0); bumped when the envelope changes incompatibly.
Elements appended after ``events`` are ignored by decoders of this version."""

TOPIC_SEPARATOR = b" "

_MAX_TOPIC_BYTES = 256
_TOPICS: dict[type[EventBase], tuple[str, str]] = {
    Tick: ("TICK", "instrument"),
    Bar: ("BAR", "instrument"),
    Trade: ("TRADE", "instrument"),
    Signal: ("SIGNAL", "instrument"),
    SignalAck: ("ACK", "sender"),
}


def event_tag(cls: type[EventBase]) -> str:
    """The ``_type`` tag of events of class ``cls``."""
    return str(cls.__struct_config__.tag)


def topic_for(event: EventBase) -> str:
    """The topic ``event`` travels on: ``TICK.<instrument>``, ``BAR.<instrument>``,
    ``TRADE.<instrument>``, ``SIGNAL.<instrument>``, ``ACK.<sender>`` (a SignalAck, to the
    sender of the signal); another type's tag in upper case, with ``.<instrument>`` when it
    has one. A space in the name after the dot becomes ``_``."""
    cls = type(event)
    prefix, key = _TOPICS.get(cls) or (event_tag(cls).upper(), "instrument")
    name = getattr(event, key, None)
    if isinstance(name, str) and name:
        return f"{prefix}.{name.replace(' ', '_')}"
    return prefix


def _encode_extra(obj: Any) -> Any:
    if isinstance(obj, str):  # str enums (Side, OrderType) and other str subclasses
        return str.__str__(obj)
    raise NotImplementedError(f"cannot encode objects of type {type(obj).__qualname__}")


_incoming = msgspec.msgpack.Decoder(Incoming)


class FrameEncoder:
    """Writes frames for one sender (a process's name on the wire)."""

    __slots__ = ("_encoder", "sender")

    def __init__(self, sender: str) -> None:
        if not sender:
            raise ValueError("FrameEncoder: sender must not be empty")
        self.sender = sender
        self._encoder = msgspec.msgpack.Encoder(enc_hook=_encode_extra)

    def frame(self, topic: bytes, tag: str, seq: int, events: Sequence[EventBase]) -> bytearray:
        """One frame: ``topic``, a space, the envelope of ``events`` (all tagged ``tag``)."""
        buffer = bytearray(topic)
        buffer += TOPIC_SEPARATOR
        envelope = Outgoing(WIRE_FORMAT_VERSION, tag, self.sender, seq, events)
        self._encoder.encode_into(envelope, buffer, len(buffer))
        return buffer


class Message(NamedTuple):
    """A decoded frame: every event checked, of one type, on its topic."""

    topic: str
    sender: str
    seq: int
    events: list[EventBase]


def _name_field(cls: type[EventBase]) -> str:
    found = _TOPICS.get(cls)
    return "instrument" if found is None else found[1]


def _refuse(topic: str, index: int, why: str) -> None:
    raise DecodeError(f"envelope (topic {topic!r}) events[{index}]: {why}")


_typed: msgspec.msgpack.Decoder[Any]


def _rebuild(types: tuple[type[EventBase], ...]) -> None:
    """The fast decoder: the whole envelope, its events typed, in one msgspec call."""
    global _typed
    union: Any = Union[types]  # noqa: UP007  (a union of classes known only at run time)
    fields = [("version", int), ("type", str), ("sender", str), ("seq", int)]
    envelope = msgspec.defstruct(
        "_Typed", [*fields, ("events", list[union])], array_like=True, frozen=True
    )
    _typed = msgspec.msgpack.Decoder(envelope)


_registry.on_change(_rebuild)  # as the codec's own decoders: a type registered later counts


def decode_frame(frame: bytes, *, allow_nonpositive_prices: bool = False) -> Message:
    """The message in ``frame``, or :class:`DecodeError` saying which rule it breaks.

    The envelope and its events are decoded in one call and each event's values checked
    (the codec's fast check of its type, else :func:`~tickwire.events.checked_event`,
    which says what is wrong); a frame that fails, or carries an
    ErrorEvent (whose nested event the codec decodes), is decoded again event by event
    through the codec, which says what is wrong."""
    end = frame.find(TOPIC_SEPARATOR, 0, _MAX_TOPIC_BYTES + 1)
    if end < 0:
        raise DecodeError(
            f"frame: no space within the first {_MAX_TOPIC_BYTES + 1} bytes "
            "(a frame is a topic, a space, then the envelope)"
        )
    try:
        topic = frame[:end].decode()
    except UnicodeDecodeError:
        raise DecodeError("frame: the topic is not UTF-8") from None
    body = memoryview(frame)[end + 1 :]
    try:
        envelope = _typed.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return _decode_slowly(topic, body, allow_nonpositive_prices)
    events: list[EventBase] = envelope.events
    if envelope.version != WIRE_FORMAT_VERSION or envelope.seq < 0 or not events:
        return _decode_slowly(topic, body, allow_nonpositive_prices)
    first = events[0]
    cls = type(first)
    if cls is ErrorEvent or event_tag(cls) != envelope.type or topic_for(first) != topic:
        return _decode_slowly(topic, body, allow_nonpositive_prices)
    name_field = _name_field(cls)
    name = getattr(first, name_field, None)
    accept = DECODED_OK.get(cls)  # the codec's own fast check, once per frame, not per event
    for index, event in enumerate(events):
        if type(event) is not cls or getattr(event, name_field, None) != name:
            return _decode_slowly(topic, body, allow_nonpositive_prices)
        if accept is not None and accept(event, allow_nonpositive_prices):
            continue
        try:
            checked_event(event, allow_nonpositive_prices=allow_nonpositive_prices)
        except DecodeError as exc:
            raise DecodeError(f"envelope (topic {topic!r}) events[{index}]: {exc}") from None
    return Message(topic, envelope.sender, envelope.seq, events)


def _decode_slowly(topic: str, body: memoryview, allow_nonpositive_prices: bool) -> Message:
    """Decode ``body`` event by event through the codec, checking each rule in turn."""
    try:
        envelope = _incoming.decode(body)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"envelope (topic {topic!r}): {exc}") from None
    if envelope.version != WIRE_FORMAT_VERSION:
        raise DecodeError(
            f"envelope (topic {topic!r}): version {envelope.version!r}, this decoder reads "
            f"version {WIRE_FORMAT_VERSION}"
        )
    if envelope.seq < 0:
        raise DecodeError(f"envelope (topic {topic!r}): seq must be >= 0, got {envelope.seq}")
    if not envelope.events:
        raise DecodeError(f"envelope (topic {topic!r}): events is empty")
    events = []
    first_cls: type[EventBase] | None = None
    for index, raw in enumerate(envelope.events):
        try:
            event = decode_event(raw, allow_nonpositive_prices=allow_nonpositive_prices)
        except DecodeError as exc:
            raise DecodeError(f"envelope (topic {topic!r}) events[{index}]: {exc}") from None
        cls = type(event)
        if (first_cls is not None and cls is not first_cls) or event_tag(cls) != envelope.type:
            _refuse(topic, index, f"a {event_tag(cls)!r} in an envelope of type {envelope.type!r}")
        if topic_for(event) != topic:
            _refuse(topic, index, f"belongs on topic {topic_for(event)!r}")
        first_cls = cls
        events.append(event)
    return Message(topic, envelope.sender, envelope.seq, events)
