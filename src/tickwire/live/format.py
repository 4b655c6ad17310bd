"""The feed-format port: how a feed turns one message into events, and asks to subscribe.

A format is a small object with a ``name``, :meth:`FeedFormat.parse` and
:meth:`FeedFormat.subscribe_messages`. tickwire ships two: its own JSON events
(:class:`~tickwire.live.TickwireFormat`) and Binance's public spot streams
(:class:`~tickwire.live.BinanceFormat`); an exchange adapter adds one more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from tickwire.events import EventBase

__all__ = ["FeedFormat", "Parsed", "make_parsed"]


class Parsed(NamedTuple):
    """One event a message carried, and where it sits in its stream's sequence."""

    event: EventBase
    instrument: str = ""
    stream: str = ""
    """What the sequence numbers ("trade", "kline_1m", "seq"); "" for an unsequenced event."""
    seq: int = 0
    step: int = 0
    """The expected difference between consecutive numbers; 0: they only have to grow."""


make_parsed: Callable[[type[Parsed], tuple[EventBase, str, str, int, int]], Parsed] = tuple.__new__
"""``make_parsed(Parsed, (event, instrument, stream, seq, step))``: a :class:`Parsed`
made without the NamedTuple's own ``__new__``, a Python function that checks its
arguments (about as costly as decoding the message's event), for a format's hot path."""


class FeedFormat(Protocol):
    """Parses messages of one wire format; raises ``ValueError`` (or a subclass, such as
    ``tickwire.DecodeError``) for a message it cannot read, naming what is wrong."""

    name: str

    def parse(self, message: str | bytes) -> Sequence[Parsed]:
        """The events in ``message``: none for a control message (a subscription answer)."""
        ...

    def subscribe_messages(self, streams: Sequence[str]) -> list[str]:
        """What to send after connecting so that ``streams`` flow (may be empty)."""
        ...
