"""A queue and the thread that drains it: the part of every threaded subscriber (and of
the EventEngine) that must never hang and never lose count.

Accounting. Every item offered to a worker ends as exactly one of: ``delivered``
(handed to the dispatch function, which returned or raised), ``dropped`` (discarded
after it was queued: by the overflow policy, because a stop ran out of time, or because
the thread died) or ``rejected`` (refused: it arrived after the worker was closed, or
waiting for room would have deadlocked). Until then it is ``queued`` or in the thread's
hands. ``received`` is their sum (not a counter of its own, which would cost every put
an increment): exact whenever the worker is idle or stopped, and after a stop that
returned True nothing is queued.

Concurrency. An unbounded queue takes no lock on the hot path: a ``collections.deque``
append or pop is atomic under the GIL, the counters are single ``+=`` statements (which
CPython never interrupts with another thread), and closing is made exact by reading the
state after the append: a publisher that finds the worker closed takes an item back
(and counts it rejected), so nothing is left in a queue whose thread has finished. A
bounded queue takes the lock in ``put`` so that its bound holds with any number of
publishers; the thread always pops without it.

Deadlocks. A worker's thread that waits on a worker (for room in its queue, for it to go
idle, for it to stop) while that worker, directly or through others, waits on the first
one would wait forever. Each such wait is entered in a wait-for graph first, and a wait
that would close a cycle is refused with :class:`~tickwire.BusError` (or, for a stop,
not waited for) instead of blocking.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from tickwire._exceptions import BusError

__all__ = ["Overflow", "Worker", "current_worker"]


class Overflow(enum.StrEnum):
    """What a full bounded queue does with a new event."""

    BLOCK = "block"
    """The publisher waits for room (back-pressure)."""
    DROP_NEWEST = "drop_newest"
    """The new event is dropped and counted."""
    DROP_OLDEST = "drop_oldest"
    """The oldest queued event is dropped and counted."""


_thread_state = threading.local()
"""``worker``: the Worker whose thread this is (unset on other threads)."""

_waits_lock = threading.Lock()
"""Guards every ``Worker._waiting_on`` (the edges of the wait-for graph)."""


def _discard(item: Any) -> None:
    """What a retired worker would dispatch to (it never runs again)."""


def current_worker() -> Worker | None:
    """The worker whose thread is running the caller, or None on any other thread."""
    worker: Worker | None = getattr(_thread_state, "worker", None)
    return worker


class Worker:
    """A FIFO queue and one thread that hands each queued item to ``dispatch``.

    ``put(item)`` queues an item (what a bus calls for every event), ``put_urgent(item)``
    queues it in an express lane served first. With ``maxsize`` the queue is bounded and
    ``overflow`` says what a full queue does. Items put before :meth:`start` wait for it.
    ``on_error(item, exc)`` is told when ``dispatch`` raises; ``on_exit()`` runs on the
    worker's thread when it finishes.
    """

    put: Callable[[Any], None]
    """Queue an item for the thread, applying the overflow policy when the queue is full."""

    def __init__(
        self,
        name: str,
        dispatch: Callable[[Any], Any],
        *,
        maxsize: int = 0,
        overflow: Overflow | str = Overflow.BLOCK,
        on_error: Callable[[Any, Exception], None] | None = None,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        if maxsize < 0:
            raise ValueError(f"maxsize must be >= 0, got {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self.overflow = Overflow(overflow)
        self.delivered = 0
        self.dropped = 0
        self.rejected = 0
        self._dispatch = dispatch
        self._on_error = on_error
        self._on_exit = on_exit
        self._queue: deque[Any] = deque()
        self._urgent: deque[Any] = deque()
        self._lock = threading.Lock()
        """Serialises bounded puts, closing, finishing and taking back (an unbounded put
        takes it only once the worker is closed)."""
        self._space = threading.Condition(self._lock)
        self._blocked = 0
        self._wake = threading.Event()
        self._sleeping = False
        self._busy = False
        self._idle = threading.Condition()
        self._idle_waiters = 0
        self._closed = False
        self._finished = False
        """The thread has left its loop: nothing queued from now on will be delivered."""
        self._thread: threading.Thread | None = None
        self._waiting_on: Worker | None = None
        self._retired = False
        self.put = self._put_unbounded if maxsize == 0 else self._put_bounded

    # -- producer side -----------------------------------------------------------------

    def _put_unbounded(self, item: Any) -> None:
        self._queue.append(item)
        # The state is read after the append: closed by then, one item is taken back,
        # so that nothing lands in a queue whose thread has finished.
        if self._closed:
            self._take_back()
        elif self._sleeping:
            self._wake.set()

    def _take_back(self) -> None:
        """Reject the newest queued item, if the thread has not taken it already.

        Each publisher that finds the worker closed after its append takes back one
        item (the newest, which is its own or one appended after it, all arrivals at
        about the time of closing), so every append is either taken back or delivered.
        """
        with self._lock:
            try:
                self._queue.pop()
            except IndexError:
                return
            self.rejected += 1

    def _put_bounded(self, item: Any) -> None:
        with self._lock:
            if self._closed:
                self.rejected += 1
                return
            queue = self._queue
            if len(queue) + len(self._urgent) >= self.maxsize and not self._make_room():
                return
            queue.append(item)
        if self._sleeping:
            self._wake.set()

    def put_urgent(self, item: Any) -> None:
        """Queue ``item`` ahead of everything put with :meth:`put`."""
        self._offer(item, self._urgent)

    def _offer(self, item: Any, lane: deque[Any]) -> None:
        with self._lock:
            if self._closed:
                self.rejected += 1
                return
            full = self.maxsize and len(self._queue) + len(self._urgent) >= self.maxsize
            if full and not self._make_room():
                return
            lane.append(item)
        if self._sleeping:
            self._wake.set()

    def _make_room(self) -> bool:
        """With the lock held and the queue full: whether the new item may be queued."""
        if self.overflow is Overflow.DROP_NEWEST:
            self.dropped += 1
            return False
        if self.overflow is Overflow.DROP_OLDEST:
            try:
                (self._queue or self._urgent).popleft()
            except IndexError:  # the thread emptied it meanwhile: there is room
                return True
            self.dropped += 1
            return True
        return self._wait_for_room()

    def _wait_for_room(self) -> bool:
        if self._thread is None:
            self.rejected += 1
            raise BusError(
                f"the queue of {self.name!r} is full (maxsize={self.maxsize}) and its thread "
                "has not been started: waiting for room would never end, so the event was "
                "rejected"
            )
        me = current_worker()
        if me is not None:
            cycle = self._enter_wait(me)
            if cycle is not None:
                self.rejected += 1
                raise BusError(
                    f"{cycle}: waiting for room in the full queue of {self.name!r} "
                    f"(maxsize={self.maxsize}, overflow='block') would never end, so the "
                    "event was rejected. A queue fed by its own thread, or by a cycle of "
                    "threaded subscribers, must be unbounded or drop instead of blocking."
                )
        # Counted before the check, so that the thread, which pops without the lock and
        # then reads this count, cannot miss a publisher about to wait.
        self._blocked += 1
        try:
            while len(self._queue) + len(self._urgent) >= self.maxsize and not self._closed:
                self._space.wait()
        finally:
            self._blocked -= 1
            if me is not None:
                self._leave_wait(me)
        if self._closed:
            self.rejected += 1
            return False
        return True

    def _pop_all(self) -> int:
        """Empty both lanes (one atomic pop at a time, as publishers may append); how many."""
        count = 0
        for lane in (self._urgent, self._queue):
            while True:
                try:
                    lane.popleft()
                except IndexError:
                    break
                count += 1
        return count

    # -- the wait-for graph ------------------------------------------------------------

    def _enter_wait(self, me: Worker) -> str | None:
        """Record that ``me``'s thread waits on this worker, unless that wait would close a
        cycle: then nothing is recorded and the cycle is described."""
        with _waits_lock:
            chain = [me.name]
            target: Worker | None = self
            seen: set[int] = set()
            while target is not None and id(target) not in seen:
                if target is me:
                    if len(chain) == 1:
                        return f"{me.name!r} would wait for itself"
                    waits = ", which waits for ".join(repr(name) for name in chain[1:])
                    return f"{me.name!r} would wait for {waits}, which waits for {me.name!r}"
                seen.add(id(target))
                chain.append(target.name)
                target = target._waiting_on
            me._waiting_on = self
            return None

    @staticmethod
    def _leave_wait(me: Worker) -> None:
        with _waits_lock:
            me._waiting_on = None

    # -- worker side -------------------------------------------------------------------

    def start(self) -> None:
        """Start the thread (again, after a stop that finished); a no-op while running."""
        with self._lock:
            if self._retired:
                raise BusError(f"worker {self.name!r} was retired; it cannot start again")
            if self._thread is not None and not self._finished:
                return
            self._closed = False
            self._finished = False
            self._thread = threading.Thread(
                target=self._run, name=f"tickwire-{self.name}", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        _thread_state.worker = self
        queue, urgent = self._queue, self._urgent
        dispatch, on_error = self._dispatch, self._on_error
        try:
            while True:
                self._busy = True
                try:
                    item = urgent.popleft() if urgent else queue.popleft()
                except IndexError:
                    self._busy = False
                    if self._closed and self._finish():
                        return
                    if self._idle_waiters:
                        with self._idle:
                            self._idle.notify_all()
                    self._wake.clear()
                    self._sleeping = True
                    if not (queue or urgent or self._closed):
                        self._wake.wait()
                    self._sleeping = False
                    continue
                if self._blocked:
                    with self._space:
                        self._space.notify_all()
                try:
                    dispatch(item)
                except Exception as exc:
                    if on_error is not None:
                        on_error(item, exc)
                finally:
                    self.delivered += 1
        finally:
            self._wind_up()

    def _finish(self) -> bool:
        """Whether the closed queue is empty; if so, nothing more will be delivered."""
        with self._lock:
            if self._queue or self._urgent:
                return False
            self._finished = True
            return True

    def _wind_up(self) -> None:
        with self._lock:
            finished = self._finished
            self._closed = True
            self._finished = True
            self._busy = False
            leftover = self._pop_all()
            if finished:
                # Appended after the last look at an empty closed queue, before their
                # publisher saw it closed and came to take them back: late, so refused.
                self.rejected += leftover
            else:  # dispatch killed the thread with items still queued
                self.dropped += leftover
            self._space.notify_all()
        with self._idle:
            self._idle.notify_all()
        try:
            if self._on_exit is not None:
                self._on_exit()
        finally:
            _thread_state.worker = None

    # -- barrier and lifecycle ---------------------------------------------------------

    @property
    def queue_depth(self) -> int:
        """How many items wait in the queue."""
        return len(self._queue) + len(self._urgent)

    @property
    def is_idle(self) -> bool:
        """True when nothing is queued and nothing is being processed."""
        # The queue is read before the busy flag, which the thread sets before it pops:
        # an item cannot be between the two unseen.
        return not self._urgent and not self._queue and not self._busy

    @property
    def is_running(self) -> bool:
        """True from :meth:`start` until the thread has delivered its last item."""
        return self._thread is not None and not self._finished

    @property
    def received(self) -> int:
        """Every item offered: delivered, dropped, rejected, queued or in hand (while the
        thread is busy it may count one item that is not in hand yet)."""
        return self.delivered + self.dropped + self.rejected + self.queue_depth + self._busy

    def counts(self) -> dict[str, int]:
        """received, delivered, dropped, rejected and (still) queued."""
        queued = self.queue_depth
        delivered, dropped, rejected = self.delivered, self.dropped, self.rejected
        return {
            "received": delivered + dropped + rejected + queued + int(self._busy),
            "delivered": delivered,
            "dropped": dropped,
            "rejected": rejected,
            "queued": queued,
        }

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until the queue is drained and the thread is idle; False on timeout.

        Raises :class:`~tickwire.BusError` when called from this worker's own thread, or
        from a worker's thread that this one (through others) is waiting on, and when
        the thread is not running while items are queued.
        """
        if self.is_idle:
            return True
        me = current_worker()
        if me is not None:
            cycle = self._enter_wait(me)
            if cycle is not None:
                raise BusError(f"{cycle}: waiting for {self.name!r} to go idle would never end")
        try:
            deadline = None if timeout is None else time.monotonic() + timeout
            with self._idle:
                self._idle_waiters += 1
                try:
                    while not self.is_idle:
                        if not self.is_running:
                            raise BusError(
                                f"worker {self.name!r} is not running; its "
                                f"{self.queue_depth} queued items cannot drain"
                            )
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            return False
                        self._idle.wait(left)
                finally:
                    self._idle_waiters -= 1
        finally:
            if me is not None:
                self._leave_wait(me)
        return True

    def close(self) -> None:
        """Accept nothing more (later items are rejected); the thread delivers what is
        queued, then finishes."""
        with self._lock:
            self._closed = True
            self._space.notify_all()
            if self._thread is None:  # never started: nothing will deliver the queue
                self._finished = True
                self.dropped += self._pop_all()
        self._wake.set()

    def retire(self) -> None:
        """Let go of the dispatch function and hooks of a worker that has finished and
        will not start again (what they hold can then be collected); the counts stay."""
        with self._lock:
            if self._thread is not None and not self._finished:
                raise BusError(f"worker {self.name!r} is still running; stop it first")
            self._retired = True
            self._dispatch, self._on_error, self._on_exit = _discard, None, None

    def stop(self, timeout: float | None = None) -> bool:
        """Close, then wait up to ``timeout`` for the thread to deliver what is queued and
        finish. True when it has finished.

        When the timeout runs out, what is still queued is dropped (and counted) and the
        thread finishes after the item in hand. Called from the worker's own thread, or
        from a thread this worker is waiting on, it does not wait (that would never end)
        and returns False; the thread then finishes on its own once the queue is drained.
        """
        self.close()
        thread = self._thread
        if thread is None:
            return True
        me = current_worker()
        if me is not None and self._enter_wait(me) is not None:
            return False
        try:
            thread.join(timeout)
        finally:
            if me is not None:
                self._leave_wait(me)
        if thread.is_alive():
            with self._lock:
                self.dropped += self._pop_all()
            return False
        return True
