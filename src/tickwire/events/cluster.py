"""Events between the processes of a cluster (``tickwire cluster``): how far each has got
through the market data, the end of a replay, and the session's fills for a process that
restarted.

All are registered (tags ``tickwire.Watermark``, ``tickwire.NodeProgress``,
``tickwire.EndOfData``, ``tickwire.FillsQuery``, ``tickwire.FillHistory``), so any
process decodes them; ``docs/cluster.md`` shows where each travels.
"""

from __future__ import annotations

from typing import ClassVar

from tickwire.events._base import EventBase
from tickwire.events._registry import register_event_type
from tickwire.events.trading import Fill

__all__ = ["EndOfData", "FillHistory", "FillsQuery", "NodeProgress", "Watermark"]


@register_event_type
class Watermark(EventBase, frozen=True, kw_only=True, tag="tickwire.Watermark"):
    """``source`` has handled the first ``handled`` market events of the stream (the last
    at market time ``ts_event_ns``), with everything they caused published before this.

    The order gateway sends one after each market event, so that a strategy can hold a
    bar until the fills it causes have arrived; ``handled`` 0 is a probe (nothing yet).
    """

    event_type: ClassVar[str | None] = "SYSTEM"

    source: str
    handled: int


@register_event_type
class NodeProgress(EventBase, frozen=True, kw_only=True, tag="tickwire.NodeProgress"):
    """Process ``node`` is ``state`` ("ready", "handled" or "finished") after the first
    ``handled`` market events; the gateway of a lockstep replay waits for it."""

    event_type: ClassVar[str | None] = "SYSTEM"

    READY: ClassVar[str] = "ready"
    HANDLED: ClassVar[str] = "handled"
    FINISHED: ClassVar[str] = "finished"

    node: str
    state: str
    handled: int = 0


@register_event_type
class EndOfData(EventBase, frozen=True, kw_only=True, tag="tickwire.EndOfData"):
    """``source`` has published all ``events`` market events of its data: nothing more
    comes (a replayed file has ended)."""

    event_type: ClassVar[str | None] = "SYSTEM"

    source: str
    events: int


@register_event_type
class FillsQuery(EventBase, frozen=True, kw_only=True, tag="tickwire.FillsQuery"):
    """Asks the order gateway for the fills of the session from number ``after`` on (a
    restarted process rebuilds its portfolio from them)."""

    event_type: ClassVar[str | None] = "SYSTEM"

    after: int = 0


@register_event_type
class FillHistory(EventBase, frozen=True, kw_only=True, tag="tickwire.FillHistory"):
    """One page of the session's fills, in the order they happened: numbers ``after`` to
    ``next - 1``; ``complete`` when no more follow."""

    event_type: ClassVar[str | None] = "SYSTEM"

    fills: tuple[Fill, ...]
    next: int
    complete: bool
