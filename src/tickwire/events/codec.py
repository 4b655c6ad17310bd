"""The one event codec: msgpack (compact, for transports and the recorder) and JSON.

Every event class, including user subclasses of :class:`EventBase`, round-trips. Bad
input raises :class:`DecodeError` naming the offending field; it never yields a
half-built event, and nothing is ever unpickled.
"""

from __future__ import annotations

import threading
from typing import Any, Union

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events._base import EventBase, registered_event_types
from tickwire.events.system import ErrorEvent

__all__ = [
    "DecodeError",
    "decode",
    "decode_json",
    "encode",
    "encode_json",
]


def _encode_extra(obj: Any) -> Any:
    if isinstance(obj, str):  # EventType members and other str subclasses
        return str.__str__(obj)
    raise NotImplementedError(f"cannot encode objects of type {type(obj).__qualname__}")


_msgpack_encoder = msgspec.msgpack.Encoder(enc_hook=_encode_extra)
_json_encoder = msgspec.json.Encoder(enc_hook=_encode_extra)


class _Decoders:
    """Typed decoders over the union of all event classes, rebuilt when a class is added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known = 0
        self._union: Any = EventBase
        self.msgpack: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(EventBase)
        self.json: msgspec.json.Decoder[Any] = msgspec.json.Decoder(EventBase)

    def refresh(self) -> None:
        types = registered_event_types()
        if len(types) == self._known:
            return
        with self._lock:
            types = registered_event_types()
            tags: dict[str, type[EventBase]] = {}
            for cls in types:
                tag = msgspec.inspect.type_info(cls).tag  # type: ignore[attr-defined]
                if tag in tags:
                    raise TypeError(
                        f"event classes {tags[tag].__qualname__} and {cls.__qualname__} share "
                        f"the tag {tag!r}; give one of them tag='...' in its class definition"
                    )
                tags[tag] = cls
            union: Any = Union[tuple(types)]  # noqa: UP007  (a runtime-built union)
            self._union = union
            self.msgpack = msgspec.msgpack.Decoder(union)
            self.json = msgspec.json.Decoder(union)
            self._known = len(types)

    def convert(self, obj: Any) -> Any:
        return msgspec.convert(obj, self._union)


_decoders = _Decoders()


def encode(event: EventBase) -> bytes:
    """The event as msgpack bytes."""
    return _msgpack_encoder.encode(event)


def encode_json(event: EventBase) -> bytes:
    """The event as UTF-8 JSON bytes."""
    return _json_encoder.encode(event)


def decode(data: bytes | bytearray | memoryview) -> EventBase:
    """An event from msgpack bytes made by :func:`encode`."""
    _decoders.refresh()
    return _finish(_run(_decoders.msgpack, data))


def decode_json(data: bytes | str) -> EventBase:
    """An event from JSON made by :func:`encode_json`."""
    _decoders.refresh()
    return _finish(_run(_decoders.json, data))


def _run(decoder: Any, data: Any) -> EventBase:
    try:
        event: EventBase = decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise DecodeError(f"invalid event: {exc}") from None
    except msgspec.DecodeError as exc:
        raise DecodeError(f"malformed event bytes: {exc}") from None
    return event


def _finish(event: EventBase) -> EventBase:
    # An ErrorEvent carries the event that failed; rebuild it as a typed event too.
    if type(event) is ErrorEvent and isinstance(event.original_event, dict):
        original = event.original_event
        if "_type" in original:
            try:
                rebuilt = _decoders.convert(original)
            except msgspec.ValidationError as exc:
                raise DecodeError(f"invalid event: {exc} (in ErrorEvent.original_event)") from None
            return msgspec.structs.replace(event, original_event=rebuilt)
    return event
