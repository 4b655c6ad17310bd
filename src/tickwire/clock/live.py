"""The live clock: wall time, with timers on the running asyncio loop."""

from __future__ import annotations

import asyncio
import time

from tickwire.clock._port import TimerCallback
from tickwire.clock._schedule import Scheduled, check_timer, first_due
from tickwire.events import TimerEvent

__all__ = ["LiveClock"]

_NS = 1_000_000_000


class LiveClock:
    """A :class:`~tickwire.clock.Clock` on wall time (``time.time_ns``). Timers run on an
    asyncio loop (the one running when the first is set, or the one given): each firing is
    scheduled for its due wall time, so a late callback does not push the next ones back."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop
        self._by_name: dict[str, Scheduled] = {}
        self._handles: dict[str, asyncio.TimerHandle] = {}
        self._order = 0

    def now_ns(self) -> int:
        return time.time_ns()

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        known = set(self._by_name)
        first = first_due(name, interval_ns, known, self.now_ns(), start_ns, stop_ns)
        self._order += 1
        self._schedule(Scheduled(name, first, interval_ns, stop_ns, callback, self._order))

    def set_alert(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        check_timer(name, 1, set(self._by_name))
        self._order += 1
        self._schedule(Scheduled(name, at_ns, 0, None, callback, self._order))

    def cancel(self, name: str) -> bool:
        entry = self._by_name.pop(name, None)
        if entry is None:
            return False
        entry.cancelled = True
        handle = self._handles.pop(name, None)
        if handle is not None:
            handle.cancel()
        return True

    def cancel_all(self) -> None:
        """Cancel every timer and alert (a node does this when it stops)."""
        for name in list(self._by_name):
            self.cancel(name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def _schedule(self, entry: Scheduled) -> None:
        loop = self._loop or asyncio.get_running_loop()
        self._loop = loop
        self._by_name[entry.name] = entry
        delay = max(0.0, (entry.due_ns - self.now_ns()) / _NS)
        self._handles[entry.name] = loop.call_at(loop.time() + delay, self._fire, entry)

    def _fire(self, entry: Scheduled) -> None:
        if entry.cancelled:
            return
        event = TimerEvent(ts_event_ns=entry.due_ns, name=entry.name, sequence=entry.fired)
        entry.fired += 1
        following = entry.next_due()
        if following is None:
            self._by_name.pop(entry.name, None)
            self._handles.pop(entry.name, None)
        else:
            entry.due_ns = following
            self._schedule(entry)
        entry.callback(event)
