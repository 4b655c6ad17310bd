"""The backtest clock: time is the market time of the events replayed, and timers fire in
time order between them, the same way every run."""

from __future__ import annotations

import heapq

from tickwire.clock._port import TimerCallback
from tickwire.clock._schedule import Scheduled, check_timer, first_due
from tickwire.events import TimerEvent

__all__ = ["BacktestClock"]


class BacktestClock:
    """A :class:`~tickwire.clock.Clock` moved forward by the engine: :meth:`advance_to`
    before each event fires every timer and alert due up to that event's time, in order of
    due time, then of setting. While a callback runs, ``now_ns()`` is its due time."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._heap: list[tuple[int, int, Scheduled]] = []
        self._by_name: dict[str, Scheduled] = {}
        self._order = 0

    def now_ns(self) -> int:
        return self._now

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        first = first_due(name, interval_ns, set(self._by_name), self._now, start_ns, stop_ns)
        self._add(Scheduled(name, first, interval_ns, stop_ns, callback, self._next_order()))

    def set_alert(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        check_timer(name, 1, set(self._by_name))
        self._add(Scheduled(name, max(at_ns, self._now), 0, None, callback, self._next_order()))

    def cancel(self, name: str) -> bool:
        entry = self._by_name.pop(name, None)
        if entry is None:
            return False
        entry.cancelled = True  # left in the heap, skipped when it comes up
        return True

    def names(self) -> list[str]:
        return list(self._by_name)

    @property
    def next_due_ns(self) -> int | None:
        """When the next timer or alert is due (None if none is set)."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def advance_to(self, ts_ns: int) -> int:
        """Fire everything due at or before ``ts_ns``, then set the time to ``ts_ns``;
        returns how many fired. Time never goes back: an earlier ``ts_ns`` fires nothing."""
        fired = 0
        heap = self._heap
        while heap and heap[0][0] <= ts_ns:
            due, _, entry = heapq.heappop(heap)
            if entry.cancelled:
                continue
            self._now = due
            event = TimerEvent(ts_event_ns=due, name=entry.name, sequence=entry.fired)
            entry.fired += 1
            following = entry.next_due()
            if following is None:
                del self._by_name[entry.name]
            else:
                entry.due_ns = following
                heapq.heappush(heap, (following, entry.order, entry))
            entry.callback(event)
            fired += 1
        if ts_ns > self._now:
            self._now = ts_ns
        return fired

    def _add(self, entry: Scheduled) -> None:
        self._by_name[entry.name] = entry
        heapq.heappush(self._heap, (entry.due_ns, entry.order, entry))

    def _next_order(self) -> int:
        self._order += 1
        return self._order
