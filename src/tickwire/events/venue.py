"""Events of trading at a venue: what reconciling with it found.

Registered (tag ``tickwire.ReconciliationEvent``), so every process that imports
:mod:`tickwire.events` decodes and records them.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from tickwire.events._base import EventBase
from tickwire.events._registry import register_event_type

__all__ = ["ReconciliationEvent", "ReconciliationKind"]


class ReconciliationKind(enum.StrEnum):
    """What a reconciliation with the venue found different from the node's view."""

    ORDER_ADOPTED = "ORDER_ADOPTED"
    """The venue has an order this session did not place: it is tracked as external."""
    FILL_INFERRED = "FILL_INFERRED"
    """The venue reports a fill of an order this session did not place."""
    POSITION_DIFFERS = "POSITION_DIFFERS"
    """The venue's position in an instrument is not what this session's fills make it."""
    POSITION_ADOPTED = "POSITION_ADOPTED"
    """At the start of a session the venue holds a position (an earlier session's, or one
    made outside tickwire): the portfolio takes it over at the venue's average price."""


@register_event_type
class ReconciliationEvent(EventBase, frozen=True, kw_only=True, tag="tickwire.ReconciliationEvent"):
    """A difference between the venue and the node, found by reconciling (and logged)."""

    event_type: ClassVar[str | None] = "SYSTEM"

    venue: str
    kind: ReconciliationKind
    order_id: str = ""
    instrument: str = ""
    detail: str = ""
    quantity: float = 0.0
    """For ``POSITION_ADOPTED``: the signed position the venue holds."""
    avg_price: float = 0.0
    """For ``POSITION_ADOPTED``: the venue's average entry price of that position."""
