"""What the execution components need from the bus and from the account they trade."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Account", "BusLike", "EquityAccount"]


class BusLike(Protocol):
    """The part of the event bus the execution components use."""

    def subscribe(
        self, event_type: Any, handler: Callable[[Any], Any], *, priority: int = ...
    ) -> Any:
        """Deliver events of ``event_type`` to ``handler``."""

    def publish(self, event: Any) -> Any:
        """Deliver ``event`` to its subscribers."""


class Account(Protocol):
    """Cash and signed net positions; the portfolio satisfies it."""

    @property
    def cash(self) -> float:
        """Cash available, in the account currency."""

    def quantity(self, instrument: str) -> float:
        """Signed net quantity held in ``instrument`` (0.0 when flat)."""


class EquityAccount(Account, Protocol):
    """An :class:`Account` that also values itself (for percent-of-equity sizing)."""

    @property
    def equity(self) -> float:
        """Cash plus every open position marked at its last price."""
