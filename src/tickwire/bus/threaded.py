"""Threaded subscribers (seed 004): each has its own queue and worker thread.

The queue is a ``collections.deque`` (appends and pops are atomic under the GIL); the
worker sleeps on an event only when the queue is empty, so a busy stream costs one
append and one pop per event. ``wait_until_idle`` is the barrier that keeps backtests
deterministic: it returns once the queue is empty *and* the worker is not processing.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tickwire.bus._subscription import Handler, Key, Subscription

if TYPE_CHECKING:
    from tickwire.bus._bus import EventBus

__all__ = ["Overflow", "ThreadedSubscriber", "Worker"]

_STOP = object()


class Overflow(enum.StrEnum):
    """What a full bounded queue does with a new event."""

    BLOCK = "block"
    """The publisher waits for space (back-pressure)."""
    DROP_NEWEST = "drop_newest"
    """The new event is dropped and counted."""
    DROP_OLDEST = "drop_oldest"
    """The oldest queued event is dropped and counted."""


class Worker:
    """A queue and a thread that hands each queued item to ``dispatch``, in order.

    ``put(item, urgent=True)`` jumps the queue (an express lane served first).
    """

    def __init__(
        self,
        name: str,
        dispatch: Callable[[Any], Any],
        *,
        maxsize: int = 0,
        overflow: Overflow | str = Overflow.BLOCK,
        on_error: Callable[[Any, Exception], None] | None = None,
    ) -> None:
        if maxsize < 0:
            raise ValueError(f"maxsize must be >= 0, got {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self.overflow = Overflow(overflow)
        self.dropped = 0
        self.processed = 0
        self._dispatch = dispatch
        self._on_error = on_error
        self._queue: deque[Any] = deque()
        self._urgent: deque[Any] = deque()
        self._wake = threading.Event()
        self._waiting = False
        self._busy = False
        self._idle = threading.Condition()
        self._idle_waiters = 0
        self._space = threading.Condition()
        self._blocked = 0
        self._drop_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- producer side -----------------------------------------------------------------

    def put(self, item: Any, urgent: bool = False) -> None:
        """Queue ``item`` for the worker, applying the overflow policy when full."""
        if self.maxsize and self.queue_depth >= self.maxsize and not self._make_room():
            return
        (self._urgent if urgent else self._queue).append(item)
        if self._waiting:
            self._wake.set()

    def _make_room(self) -> bool:
        if self.overflow is Overflow.DROP_NEWEST:
            with self._drop_lock:
                self.dropped += 1
            return False
        if self.overflow is Overflow.DROP_OLDEST:
            with self._drop_lock:
                try:
                    self._queue.popleft()
                except IndexError:  # the worker emptied it meanwhile
                    return True
                self.dropped += 1
            return True
        with self._space:
            while (
                len(self._queue) + len(self._urgent) >= self.maxsize
                and not self._stopping
                and self._thread is not None
            ):
                self._blocked += 1
                try:
                    # The timeout only guards against a missed notify; progress is
                    # signalled by the worker after each item.
                    self._space.wait(0.05)
                finally:
                    self._blocked -= 1
        return True

    # -- worker side -------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"tickwire-{self.name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        queue, urgent, dispatch = self._queue, self._urgent, self._dispatch
        while True:
            self._busy = True
            try:
                item = urgent.popleft() if urgent else queue.popleft()
            except IndexError:
                self._busy = False
                if self._idle_waiters:
                    with self._idle:
                        self._idle.notify_all()
                self._wake.clear()
                self._waiting = True
                if not (queue or urgent):
                    self._wake.wait()
                self._waiting = False
                continue
            if item is _STOP:
                self._busy = False
                with self._idle:
                    self._idle.notify_all()
                return
            try:
                dispatch(item)
            except Exception as exc:
                if self._on_error is not None:
                    self._on_error(item, exc)
            self.processed += 1
            if self._blocked:
                with self._space:
                    self._space.notify_all()

    # -- barrier and lifecycle ---------------------------------------------------------

    @property
    def queue_depth(self) -> int:
        return len(self._queue) + len(self._urgent)

    @property
    def is_idle(self) -> bool:
        """True when nothing is queued and nothing is being processed."""
        return not self._busy and not self._queue and not self._urgent

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until the queue is drained and the worker is idle; False on timeout."""
        if self.is_idle:
            return True
        if not self.is_running:
            raise RuntimeError(f"worker {self.name!r} is not running; its queue cannot drain")
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            self._idle_waiters += 1
            try:
                while not self.is_idle:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    # Bounded wait: a worker that died (it cannot, but be safe) never hangs us.
                    self._idle.wait(0.5 if left is None else min(left, 0.5))
                    if not self.is_running and not self.is_idle:
                        raise RuntimeError(f"worker {self.name!r} stopped with items queued")
            finally:
                self._idle_waiters -= 1
        return True

    def stop(self, timeout: float | None = None, drain: bool = True) -> None:
        """Stop the worker; with ``drain`` it first processes everything queued."""
        thread = self._thread
        if thread is None:
            return
        if not drain:
            self._queue.clear()
            self._urgent.clear()
        self._stopping = True
        self._queue.append(_STOP)
        self._wake.set()
        with self._space:
            self._space.notify_all()
        thread.join(timeout)
        self._thread = None


class ThreadedSubscriber:
    """Handlers that run on their own thread, fed through a queue by the bus.

    It has ``subscribe`` and ``publish`` like the bus, so a component written for the
    bus can be handed a ThreadedSubscriber instead and will run on its own thread.
    """

    def __init__(
        self,
        bus: EventBus,
        name: str,
        *,
        maxsize: int = 0,
        overflow: Overflow | str = Overflow.BLOCK,
    ) -> None:
        from tickwire.bus._bus import EventBus

        self.bus = bus
        self.name = name
        self._routes = EventBus(error_events=False, on_failure=bus._on_failure)
        self._keys: set[Key] = set()
        self._lock = threading.Lock()
        self._worker = Worker(
            name,
            self._routes.publish,
            maxsize=maxsize,
            overflow=overflow,
        )
        self._worker.start()
        self.receive = self._worker.put
        """Queue an event for this subscriber's thread (what the bus calls)."""

    def subscribe(
        self,
        event_type: Key,
        handler: Handler,
        *,
        priority: int = 0,
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """Run ``handler`` on this subscriber's thread for events of ``event_type``.

        The first subscription to a type sets the priority with which this subscriber
        receives it from the bus (what :meth:`EventBus.publish_staged` orders by).
        """
        sub = self._routes.subscribe(event_type, handler, priority=priority, filter=filter)
        with self._lock:
            if event_type not in self._keys:
                self._keys.add(event_type)
                self.bus.subscribe(event_type, self.receive, priority=priority)
        return sub

    def subscribe_all(self, handler: Handler, *, priority: int = 0) -> Subscription:
        return self.subscribe(None, handler, priority=priority)

    def unsubscribe(self, event_type: Key, handler: Handler) -> bool:
        return self._routes.unsubscribe(event_type, handler)

    def publish(self, event: Any) -> None:
        """Publish on the shared bus (so components can treat this as their bus)."""
        self.bus.publish(event)

    emit = publish

    @property
    def processed(self) -> int:
        return self._worker.processed

    @property
    def dropped(self) -> int:
        return self._worker.dropped

    @property
    def queue_depth(self) -> int:
        return self._worker.queue_depth

    @property
    def is_idle(self) -> bool:
        return self._worker.is_idle

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until this subscriber has processed everything queued for it."""
        return self._worker.wait_until_idle(timeout)

    def shutdown(self, timeout: float | None = None) -> None:
        """Process what is queued, then stop the thread and leave the bus."""
        self._worker.stop(timeout)
        with self._lock:
            for key in self._keys:
                self.bus.unsubscribe(key, self.receive)
            self._keys.clear()
