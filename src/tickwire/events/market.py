"""Market data events: quotes, trades and bars. Cheap to create: no id, no validation."""

from __future__ import annotations

from typing import ClassVar

from tickwire.events._base import EventBase

__all__ = ["Bar", "Tick", "Trade"]


class Tick(EventBase, frozen=True, kw_only=True, gc=False):
    """A top-of-book quote."""

    instrument: str
    bid: float
    ask: float
    bid_size: float = 0.0
    ask_size: float = 0.0

    event_type: ClassVar[str | None] = "MARKET_DATA"

    def spread(self) -> float:
        """Ask minus bid."""
        return self.ask - self.bid

    def mid(self) -> float:
        """The midpoint of bid and ask."""
        return (self.bid + self.ask) * 0.5


class Trade(EventBase, frozen=True, kw_only=True, gc=False):
    """A print on the tape: one trade between two market participants."""

    instrument: str
    price: float
    size: float

    event_type: ClassVar[str | None] = "MARKET_DATA"


class Bar(EventBase, frozen=True, kw_only=True, gc=False):
    """An OHLCV bar; ``ts_event_ns`` is the bar's observation (close) time."""

    instrument: str
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0
    interval: str = ""

    event_type: ClassVar[str | None] = "BAR"

    def get_open(self) -> float:
        return self.open

    def get_high(self) -> float:
        return self.high

    def get_low(self) -> float:
        return self.low

    def get_close(self) -> float:
        return self.close

    def get_volume(self) -> float:
        return self.volume
