"""tickwire's own feed format: one JSON event per message, as ``encode_json`` writes it.

A message is either an event (``{"_type": "Bar", ...}``) or an event with the sender's
sequence number, ``{"seq": 17, "event": {"_type": "Bar", ...}}``; numbered messages are
checked for duplicates and gaps across the whole feed (a :class:`~tickwire.events.FeedGap`
with instrument ``"*"`` and stream ``"seq"``). Bars without a number are still
deduplicated per instrument and interval by their time. After connecting, a feed that
was given instruments sends ``{"subscribe": ["ACME", ...]}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar, Union

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events import Bar, EventBase, decode_json
from tickwire.events._registry import on_change
from tickwire.events._validation import DECODED_OK
from tickwire.live.format import Parsed, make_parsed

__all__ = ["TickwireFormat"]

ALL_INSTRUMENTS = "*"
"""The instrument a feed-wide sequence gap names."""


class _Numbered(msgspec.Struct, forbid_unknown_fields=True):
    seq: int
    event: msgspec.Raw


E = TypeVar("E")


class _NumberedEvent(msgspec.Struct, Generic[E], forbid_unknown_fields=True):
    seq: int
    event: E


_numbered = msgspec.json.Decoder(_Numbered)
_one_pass: msgspec.json.Decoder[Any]
"""A numbered message and its event in one decode (over the decodable event types, rebuilt
when one is registered): a third less work than the envelope, then the event. Anything it
does not accept at once takes the two-step path, which explains what is wrong."""


def _rebuild(types: tuple[type[EventBase], ...]) -> None:
    global _one_pass
    union: Any = Union[types]  # noqa: UP007  (a union of classes known only at run time)
    _one_pass = msgspec.json.Decoder(_NumberedEvent[union])


on_change(_rebuild)
_encode = msgspec.json.Encoder().encode


class TickwireFormat:
    """Parses tickwire JSON events, numbered or not (see the module docstring)."""

    name = "tickwire"

    def __init__(self, *, allow_nonpositive_prices: bool = False) -> None:
        self.allow_nonpositive_prices = allow_nonpositive_prices

    def parse(self, message: str | bytes) -> Sequence[Parsed]:
        allow = self.allow_nonpositive_prices
        numbered = (
            message.startswith('{"seq"')
            if isinstance(message, str)
            else message.startswith(b'{"seq"')
        )
        if numbered:
            try:
                fast = _one_pass.decode(message)
            except msgspec.DecodeError:
                fast = None
            if fast is not None and fast.seq >= 0:
                event = fast.event
                accept = DECODED_OK.get(type(event))
                if accept is not None and accept(event, allow):
                    return (make_parsed(Parsed, (event, ALL_INSTRUMENTS, "seq", fast.seq, 1)),)
            try:
                envelope = _numbered.decode(message)
            except msgspec.DecodeError as exc:
                raise DecodeError(f"numbered message: {exc}") from None
            if envelope.seq < 0:
                raise DecodeError(f"numbered message: seq {envelope.seq} is negative")
            event = decode_json(bytes(envelope.event), allow_nonpositive_prices=allow)
            return (Parsed(event, ALL_INSTRUMENTS, "seq", envelope.seq, 1),)
        event = decode_json(message, allow_nonpositive_prices=allow)
        if type(event) is Bar:
            stream = f"bar:{event.interval}"
            return (make_parsed(Parsed, (event, event.instrument, stream, event.ts_event_ns, 0)),)
        return (Parsed(event),)

    def subscribe_messages(self, streams: Sequence[str]) -> list[str]:
        return [_encode({"subscribe": list(streams)}).decode()] if streams else []
