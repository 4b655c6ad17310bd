"""The execution-client port: what the node asks of a venue, with explicit outcomes.

One small protocol (:class:`ExecutionClient`) that a venue adapter implements; the local
exchange's adapter is :class:`~tickwire.exchange.ExchangeClient`. Every command ends in
one of three outcomes (:class:`Outcome`):

- ``CONFIRMED``: the venue has the order (or carried out the cancel);
- ``REJECTED``: the venue (or the client, before sending) refused, with the reason;
- ``UNKNOWN``: no answer came (a timeout, a disconnect). The order may or may not be at
  the venue; it stays in flight until :meth:`ExecutionClient.resolve` asks the venue.
  Nothing is ever sent again on a guess.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from tickwire._exceptions import TickwireError
from tickwire.events import SubmitOrder
from tickwire.exchange._protocol import FillRecord, OrderRecord, PositionRecord

__all__ = ["CommandResult", "ExecutionClient", "Outcome", "VenueUnavailable"]


class VenueUnavailable(TickwireError, ConnectionError):
    """A query got no answer from the venue (it timed out or the connection dropped)."""


class Outcome(enum.StrEnum):
    """How a command ended."""

    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class CommandResult:
    """The outcome of a submit or cancel, with the venue's record of the order if any."""

    outcome: Outcome
    client_order_id: str
    order: OrderRecord | None = None
    reason: str = ""
    """Why it was rejected, or why the outcome is unknown."""


class ExecutionClient(Protocol):
    """A venue as the node sees it (see the module docstring)."""

    async def submit(self, order: SubmitOrder) -> CommandResult:
        """Place ``order``; its ``order_id`` is the client order id (idempotency key)."""
        ...

    async def cancel(self, client_order_id: str) -> CommandResult:
        """Cancel a working order."""
        ...

    async def resolve(self, client_order_id: str) -> CommandResult:
        """Settle an in-flight order by asking the venue (UNKNOWN while it cannot)."""
        ...

    async def order_status(self, client_order_id: str) -> OrderRecord | None:
        """The venue's record of an order; None if it never received it."""
        ...

    async def open_orders(self) -> list[OrderRecord]:
        """The venue's working orders, oldest first."""
        ...

    async def fills_since(self, seq: int) -> list[FillRecord]:
        """Every fill numbered above ``seq``, in order (deduplicate by ``trade_id``)."""
        ...

    async def positions(self) -> list[PositionRecord]:
        """The venue's net position per instrument."""
        ...

    async def balances(self) -> dict[str, float]:
        """The venue's cash figures (``cash``, ``equity``, ...)."""
        ...

    def updates(self) -> AsyncIterator[OrderRecord | FillRecord]:
        """Fills and order changes as the venue pushes them (not complete across
        disconnects: :meth:`fills_since` is)."""
        ...

    @property
    def in_flight(self) -> frozenset[str]:
        """Client order ids whose outcome is unknown."""
        ...
