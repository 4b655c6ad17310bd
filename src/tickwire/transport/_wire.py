"""The envelope ``[version, type, sender, seq, events]`` as msgspec structs, written and
read as msgpack arrays. Kept out of the compiled ``_envelope``: a Struct class compiled
by mypyc loses its options (``array_like``), and would be written as a map."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from tickwire.events import EventBase

__all__ = ["Incoming", "Outgoing"]


class Outgoing(msgspec.Struct, array_like=True):
    """The envelope as it is written."""

    version: int
    type: str
    sender: str
    seq: int
    events: Sequence[EventBase]


class Incoming(msgspec.Struct, array_like=True, frozen=True):
    """The envelope as it is read: the events stay raw until the codec checks each."""

    version: int
    type: str
    sender: str
    seq: int
    events: list[msgspec.Raw]
