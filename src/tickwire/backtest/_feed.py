"""The backtest's bar loop, compiled: each bar goes to the bus by a direct native call
(an interpreted loop pays for a bound-method call per bar)."""

from __future__ import annotations

from collections.abc import Iterable

from tickwire.bus import EventBus
from tickwire.events import Bar

__all__ = ["feed"]


def feed(bus: EventBus, bars: Iterable[Bar], *, staged: bool = False) -> None:
    """Publish every bar in order; ``staged`` uses ``publish_staged`` (threaded mode)."""
    if staged:
        for bar in bars:
            bus.publish_staged(bar)
    else:
        for bar in bars:
            bus.publish(bar)
