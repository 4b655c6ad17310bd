"""The clock port: what time it is, and timers and alerts on that time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tickwire.events import TimerEvent

__all__ = ["Clock", "TimerCallback"]

TimerCallback = Callable[[TimerEvent], None]


class Clock(Protocol):
    """Market time in a backtest, wall time live: components ask it, never ``time.time``.

    A timer fires every ``interval_ns`` from ``start_ns`` (default: now + interval) until
    ``stop_ns`` (default: never); an alert fires once at ``at_ns``. Each is set under a
    name, unique among the clock's timers and alerts, which :meth:`cancel` takes.
    """

    def now_ns(self) -> int:
        """The current time in nanoseconds since the epoch (UTC)."""
        ...

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call ``callback`` every ``interval_ns`` (see the class docstring)."""
        ...

    def set_alert(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        """Call ``callback`` once at ``at_ns`` (at once if that has passed)."""
        ...

    def cancel(self, name: str) -> bool:
        """Stop the timer or alert ``name``; False if there is none."""
        ...

    def names(self) -> list[str]:
        """The names of the timers and alerts still set."""
        ...
