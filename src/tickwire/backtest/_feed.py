# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The backtest's per-event code, compiled: the bar loop and the order tracker.

Each bar reaches the bus by a direct native call (an interpreted loop pays for a
bound-method call per bar), and order updates are tracked without an interpreted frame.
"""

from __future__ import annotations

from collections.abc import Iterable

from tickwire.bus import EventBus
from tickwire.events import Bar, OrderUpdate

__all__ = ["LatestUpdates", "feed"]


def feed(bus: EventBus, bars: Iterable[Bar], *, staged: bool = False) -> None:
    """Publish every bar in order; ``staged`` uses ``publish_staged`` (threaded mode)."""
    if staged:
        for bar in bars:
            bus.publish_staged(bar)
    else:
        for bar in bars:
            bus.publish(bar)


class LatestUpdates:
    """Each order's latest lifecycle event, in order of first appearance: all a result
    needs, at a sixth of the memory of keeping every update."""

    def __init__(self) -> None:
        self.by_order: dict[str, OrderUpdate] = {}

    def record(self, update: OrderUpdate) -> None:
        """Keep ``update`` as its order's latest."""
        self.by_order[update.order_id] = update
