"""FilterHandler and ChainHandler, as the 'Event-Driven Trading System Usage Guide' uses
them."""

from __future__ import annotations

from typing import Any

from tickwire.bus import ChainHandler, EventBus, FilterHandler
from tickwire.events import EventType, create_bar_event


def is_apple(event: Any) -> bool:
    return hasattr(event, "get_symbol") and event.get_symbol() == "AAPL"


def test_filter_and_chain_as_in_the_guide() -> None:
    apple: list[Any] = []
    high: list[Any] = []
    apple_filter = FilterHandler("apple_filter", is_apple, lambda e: apple.append(e) or True)
    high_filter = FilterHandler("high", lambda e: e.get_close() > 150, high.append)
    chain = ChainHandler("chain", [apple_filter, high_filter])
    bus = EventBus()
    bus.register(EventType.BAR, chain.handle)
    bus.emit(create_bar_event("MSFT", 1, 200, 200, 200, 200))
    bus.emit(create_bar_event("AAPL", 1, 100, 100, 100, 100))
    bus.emit(create_bar_event("AAPL", 1, 160, 160, 160, 160))
    assert [e.get_close() for e in apple] == [100, 160]
    assert [e.get_close() for e in high] == [160]
    assert (apple_filter.passed, apple_filter.rejected) == (2, 1)


def test_chain_reports_whether_it_ran_to_the_end() -> None:
    stop = FilterHandler("stop", lambda e: False, lambda e: None)
    assert ChainHandler("c", [lambda e: None]).handle(object()) is True
    assert ChainHandler("c", [stop, lambda e: None]).handle(object()) is False
