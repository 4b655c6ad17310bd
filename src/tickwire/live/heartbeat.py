"""Heartbeats: a component's periodic sign of life, on a clock's timer.

A :class:`HeartbeatPublisher` publishes a :class:`~tickwire.events.Heartbeat` for its
component every ``interval`` seconds, driven by a :class:`~tickwire.clock.Clock` (a
``LiveClock`` on wall time live, a ``BacktestClock`` in a test or a replay), so that a
:class:`~tickwire.live.HealthMonitor` notices a component that stopped beating.
"""

from __future__ import annotations

from tickwire.bus import EventBus
from tickwire.clock import Clock
from tickwire.events import Heartbeat, TimerEvent

__all__ = ["HeartbeatPublisher"]

_NS = 1_000_000_000


class HeartbeatPublisher:
    """Publishes ``Heartbeat(component=...)`` on ``bus`` every ``interval`` seconds of
    ``clock`` time, numbered from 0, between :meth:`start` and :meth:`stop`."""

    def __init__(self, component: str, bus: EventBus, clock: Clock, interval: float) -> None:
        if interval <= 0:
            raise ValueError(f"heartbeat interval must be above 0 s, got {interval}")
        self.component = component
        self.bus = bus
        self.clock = clock
        self.interval = interval
        self.sent = 0
        self._timer = f"heartbeat:{component}"

    def start(self) -> None:
        """Beat from one interval from now (the clock's timer names it ``heartbeat:NAME``)."""
        self.clock.set_timer(self._timer, int(self.interval * _NS), self._beat)

    def stop(self) -> None:
        """Stop beating (a stopped publisher can be started again)."""
        self.clock.cancel(self._timer)

    def _beat(self, timer: TimerEvent) -> None:
        self.bus.publish(
            Heartbeat(ts_event_ns=timer.ts_event_ns, component=self.component, sequence=self.sent)
        )
        self.sent += 1
