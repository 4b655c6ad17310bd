"""The one event codec: msgpack (compact, for transports and the recorder) and JSON.

The decoders know the built-in event types and the user types registered with
:func:`~tickwire.events.register_event_type` in this process; what may change in an event
type once its events are stored or sent is in ``docs/events.md``. Bad input raises
:class:`DecodeError` naming the type and the field; a decoder never yields a half-built
event or one whose values break the rules of :func:`~tickwire.events.event_problem`
(nested events included), and nothing is ever unpickled.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar, Union

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events import _registry
from tickwire.events._base import EventBase
from tickwire.events._validation import DECODED_OK, MAX_NESTING, event_problem
from tickwire.events.system import ErrorEvent

__all__ = [
    "DecodeError",
    "checked_event",
    "decode",
    "decode_json",
    "decode_recorded",
    "encode",
    "encode_json",
]


def _encode_extra(obj: Any) -> Any:
    if isinstance(obj, str):  # EventType members and other str subclasses
        return str.__str__(obj)
    raise NotImplementedError(f"cannot encode objects of type {type(obj).__qualname__}")


_msgpack_encoder = msgspec.msgpack.Encoder(enc_hook=_encode_extra)
_json_encoder = msgspec.json.Encoder(enc_hook=_encode_extra)


class _Decoders(NamedTuple):
    """Typed decoders over the union of the decodable event types, replaced as a whole
    when a type is registered (so a decode in another thread sees old or new, never half)."""

    union: Any
    msgpack: msgspec.msgpack.Decoder[Any]
    json: msgspec.json.Decoder[Any]


class _Tag(msgspec.Struct):
    """Only the tag of an encoded event, read to explain why it did not decode."""

    value: Any = msgspec.field(default=None, name="_type")


_tag_msgpack = msgspec.msgpack.Decoder(_Tag)
_tag_json = msgspec.json.Decoder(_Tag)

_decoders: _Decoders


def _rebuild(types: tuple[type[EventBase], ...]) -> None:
    global _decoders
    union: Any = Union[types]  # noqa: UP007  (a union of classes known only at run time)
    _decoders = _Decoders(union, msgspec.msgpack.Decoder(union), msgspec.json.Decoder(union))


_registry.on_change(_rebuild)


def encode(event: EventBase) -> bytes:
    """The event as msgpack bytes (a user type must be registered where they are decoded)."""
    return _msgpack_encoder.encode(event)


def encode_json(event: EventBase) -> bytes:
    """The event as UTF-8 JSON bytes (a user type must be registered where they are decoded)."""
    return _json_encoder.encode(event)


def decode(
    data: bytes | bytearray | memoryview, *, allow_nonpositive_prices: bool = False
) -> EventBase:
    """An event from msgpack bytes made by :func:`encode`, its values checked.

    ``allow_nonpositive_prices=True`` accepts zero and negative prices (instruments that
    trade there); every other rule still applies.
    """
    try:
        event: EventBase = _decoders.msgpack.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise DecodeError(_why(exc, _tag_msgpack, data)) from None
    accept = DECODED_OK.get(type(event))
    if accept is not None and accept(event, allow_nonpositive_prices):
        return event
    return _checked(event, allow_nonpositive_prices)


def decode_json(data: bytes | str, *, allow_nonpositive_prices: bool = False) -> EventBase:
    """An event from JSON made by :func:`encode_json`, its values checked (see :func:`decode`)."""
    try:
        event: EventBase = _decoders.json.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise DecodeError(_why(exc, _tag_json, data)) from None
    accept = DECODED_OK.get(type(event))
    if accept is not None and accept(event, allow_nonpositive_prices):
        return event
    return _checked(event, allow_nonpositive_prices)


def decode_recorded(data: bytes | bytearray | memoryview) -> EventBase:
    """An event from msgpack bytes that tickwire's own event store wrote, its structure
    checked (types, tags, nesting) but not its values.

    A journal shows what was published, even an event whose values break the rules (a
    strategy that emitted a NaN signal): refusing it would make the whole stored run
    unreadable. Never use it for bytes from a socket or another program: :func:`decode`.
    """
    try:
        event: EventBase = _decoders.msgpack.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise DecodeError(_why(exc, _tag_msgpack, data)) from None
    if isinstance(event, ErrorEvent):
        return _typed_original(event, 1)
    return event


E = TypeVar("E", bound=EventBase)


def checked_event(event: E, *, allow_nonpositive_prices: bool = False) -> E:
    """``event`` if its values obey the rules, else a :class:`DecodeError` naming the
    field: for events built from another program's data (a feed parser's), which must
    pass the same checks as decoded ones."""
    accept = DECODED_OK.get(type(event))
    if accept is not None and accept(event, allow_nonpositive_prices):
        return event
    problem = event_problem(event, allow_nonpositive_prices=allow_nonpositive_prices)
    if problem is not None:
        raise DecodeError(f"invalid event: {problem}")
    return event


def _why(exc: Exception, tag_decoder: Any, data: Any) -> str:
    if isinstance(exc, RecursionError):
        return "malformed event bytes: nested too deeply to decode"
    if not isinstance(exc, msgspec.ValidationError):
        return f"malformed event bytes: {exc}"
    try:
        tag = tag_decoder.decode(data).value
    except (msgspec.DecodeError, RecursionError):
        tag = None
    return _invalid(exc, tag)


def _invalid(exc: msgspec.ValidationError, tag: Any) -> str:
    if tag is None:
        return f"invalid event: {exc}"
    return _registry.tag_problem(tag) or f"invalid event: {tag}: {exc}"


def _checked(event: EventBase, allow_nonpositive_prices: bool) -> EventBase:
    if isinstance(event, ErrorEvent):
        event = _typed_original(event, 1)
    problem = event_problem(event, allow_nonpositive_prices=allow_nonpositive_prices)
    if problem is not None:
        raise DecodeError(f"invalid event: {problem}")
    return event


def _typed_original(event: ErrorEvent, depth: int) -> ErrorEvent:
    """``event`` with the event it carries decoded too (the codec sees it as a map)."""
    original = event.original_event
    if not isinstance(original, dict) or "_type" not in original:
        return event
    where = f"(in {type(event).__name__}.original_event)"
    if depth > MAX_NESTING:
        raise DecodeError(f"invalid event: nested more than {MAX_NESTING} events deep {where}")
    try:
        inner = msgspec.convert(original, _decoders.union)
    except msgspec.ValidationError as exc:
        raise DecodeError(f"{_invalid(exc, original['_type'])} {where}") from None
    except RecursionError:
        raise DecodeError(f"malformed event bytes: nested too deeply to decode {where}") from None
    if isinstance(inner, ErrorEvent):
        inner = _typed_original(inner, depth + 1)
    return msgspec.structs.replace(event, original_event=inner)
