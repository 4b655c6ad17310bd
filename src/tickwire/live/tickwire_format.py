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

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events import Bar, decode_json
from tickwire.live.format import Parsed

__all__ = ["TickwireFormat"]

ALL_INSTRUMENTS = "*"
"""The instrument a feed-wide sequence gap names."""


class _Numbered(msgspec.Struct, forbid_unknown_fields=True):
    seq: int
    event: msgspec.Raw


_numbered = msgspec.json.Decoder(_Numbered)
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
            return (Parsed(event, event.instrument, stream, event.ts_event_ns, 0),)
        return (Parsed(event),)

    def subscribe_messages(self, streams: Sequence[str]) -> list[str]:
        return [_encode({"subscribe": list(streams)}).decode()] if streams else []
