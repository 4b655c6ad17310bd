"""Events of at-least-once delivery between processes: a receiver's acknowledgement of a
signal, and a sender's report that it gave up on one (seed 001's ``SignalDeliveryError``).

Both are registered (tags ``tickwire.SignalAck`` and ``tickwire.SignalDeliveryError``), so
every process that imports :mod:`tickwire.events` decodes them; ``docs/transport.md``
shows them on the wire.
"""

from __future__ import annotations

from typing import ClassVar

from tickwire.events._base import EventBase
from tickwire.events._registry import register_event_type
from tickwire.events.trading import CancelOrder, Signal, SubmitOrder

__all__ = ["SignalAck", "SignalDeliveryError"]


@register_event_type
class SignalAck(EventBase, frozen=True, kw_only=True, tag="tickwire.SignalAck"):
    """The receiver has the event whose id is ``signal_id`` (processed now or before):
    ``sender``, who sent it, stops retrying it."""

    event_type: ClassVar[str | None] = "SYSTEM"

    signal_id: str
    sender: str
    """The name on the wire of the process that sent the signal (acks travel on
    ``ACK.<sender>``)."""
    receiver: str = ""
    duplicate: bool = False
    """True when the id had been processed before (the ack of a retry)."""


@register_event_type
class SignalDeliveryError(EventBase, frozen=True, kw_only=True, tag="tickwire.SignalDeliveryError"):
    """No acknowledgement came for ``signal_id`` after ``attempts`` sends: the sender gave
    up. ``signal`` is the event that was not delivered (the kinds an at-least-once route
    carries)."""

    event_type: ClassVar[str | None] = "ERROR"

    signal_id: str
    route: str
    attempts: int
    reason: str
    signal: Signal | SubmitOrder | CancelOrder | None = None
