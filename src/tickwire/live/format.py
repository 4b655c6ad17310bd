"""The feed-format port: how a feed turns one message into events, and asks to subscribe.

A format is a small object with a ``name``, :meth:`FeedFormat.parse` and
:meth:`FeedFormat.subscribe_messages`. tickwire ships two: its own JSON events
(:class:`~tickwire.live.TickwireFormat`) and Binance's public spot streams
(:class:`~tickwire.live.BinanceFormat`); an exchange adapter adds one more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from tickwire.events import EventBase

__all__ = ["FeedFormat", "Parsed"]


class Parsed(NamedTuple):
    """One event a message carried, and where it sits in its stream's sequence."""

    event: EventBase
    instrument: str = ""
    stream: str = ""
    """What the sequence numbers ("trade", "kline_1m", "seq"); "" for an unsequenced event."""
    seq: int = 0
    step: int = 0
    """The expected difference between consecutive numbers; 0: they only have to grow."""


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
