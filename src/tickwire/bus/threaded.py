"""Subscribers that run on their own thread, fed by the bus through a queue.

:class:`QueuedSubscriber` is what they all share: a :class:`~tickwire.bus.worker.Worker`
(the queue and the thread), a place in the bus's idle barrier
(``bus.wait_until_system_idle()``) and in ``bus.shutdown()`` from the moment it is
built, exact counts in ``bus.get_stats()["subscribers"]``, and a shutdown that never
blocks past its timeout. :class:`ThreadedSubscriber` runs handlers subscribed to it,
like a bus of its own; ``tickwire.bus.subscriber.Subscriber`` is the subclass-and-override
form.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tickwire.bus._bus import EventBus
from tickwire.bus._subscription import Handler, Key, Subscription
from tickwire.bus.worker import Overflow, Worker

__all__ = ["QueuedSubscriber", "ThreadedSubscriber"]


class QueuedSubscriber:
    """A subscriber with its own queue and thread, attached to ``bus`` when built.

    The bus calls :attr:`receive` for every event of the subscribed types; the thread
    hands each one to ``dispatch``. ``on_error(event, exc)`` is told when ``dispatch``
    raises (by default the failure goes to the bus: logged, kept as a dead letter and
    published as an ErrorEvent); ``on_exit()`` runs on the thread when it finishes.
    """

    receive: Callable[[Any], None]
    """Queue an event for this subscriber's thread (what the bus calls; never blocks
    unless the queue is bounded with ``overflow="block"``)."""

    def __init__(
        self,
        bus: EventBus,
        name: str,
        dispatch: Callable[[Any], Any],
        *,
        maxsize: int = 0,
        overflow: Overflow | str = Overflow.BLOCK,
        on_error: Callable[[Any, Exception], None] | None = None,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        self.bus = bus
        self.name = name
        self._keys: set[Key] = set()
        self._keys_lock = threading.Lock()
        self._worker = Worker(
            name,
            dispatch,
            maxsize=maxsize,
            overflow=overflow,
            on_error=on_error or self._report_failure,
            on_exit=on_exit,
        )
        # The bus calls the queue directly: one call per event on the hot path.
        self.receive = self._worker.put
        bus._attach(self)
        self._worker.start()

    def _listen(self, event_type: Key, priority: int = 0) -> None:
        """Have the bus deliver ``event_type`` to this subscriber (once per type)."""
        with self._keys_lock:
            if event_type in self._keys:
                return
            self._keys.add(event_type)
            self.bus._subscribe_named(
                event_type,
                self.receive,
                f"{type(self).__qualname__}({self.name!r}).receive",
                priority,
            )

    def _unlisten(self, event_type: Key) -> None:
        with self._keys_lock:
            if event_type in self._keys:
                self._keys.discard(event_type)
                self.bus.unsubscribe(event_type, self.receive)

    def _report_failure(self, event: Any, exc: Exception) -> None:
        self.bus._on_failure(event, self.name, self.receive, exc)

    @property
    def worker(self) -> Worker:
        """The queue and thread behind this subscriber."""
        return self._worker

    @property
    def received(self) -> int:
        """Events the bus handed to this subscriber."""
        return self._worker.received

    @property
    def delivered(self) -> int:
        """Events this subscriber's thread has processed."""
        return self._worker.delivered

    @property
    def dropped(self) -> int:
        """Events queued, then discarded (overflow policy, or a shutdown out of time)."""
        return self._worker.dropped

    @property
    def rejected(self) -> int:
        """Events refused: after shutdown began, or because waiting would deadlock."""
        return self._worker.rejected

    @property
    def queue_depth(self) -> int:
        """Events waiting in the queue."""
        return self._worker.queue_depth

    @property
    def is_idle(self) -> bool:
        """True when nothing is queued and nothing is being processed."""
        return self._worker.is_idle

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until this subscriber has processed everything queued for it; False if
        ``timeout`` ran out. Raises BusError where waiting could never end (from its own
        thread, or from a subscriber it is waiting on)."""
        return self._worker.wait_until_idle(timeout)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Leave the bus, process what is queued, then stop the thread.

        Events that still arrive are rejected (and counted). True when the thread has
        stopped; False when ``timeout`` ran out (what was still queued is dropped, and
        counted) or when called from a thread that cannot wait for this one (its own:
        the thread stops by itself once the queue is drained).
        """
        with self._keys_lock:
            keys = list(self._keys)
            self._keys.clear()
        for key in keys:
            self.bus.unsubscribe(key, self.receive)
        stopped = self._worker.stop(timeout)
        if stopped:
            self._worker.retire()
            self.bus._detach(self)
        return stopped


class ThreadedSubscriber(QueuedSubscriber):
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
        self._routes = EventBus(error_events=False, on_failure=bus._on_failure)
        super().__init__(bus, name, self._routes.publish, maxsize=maxsize, overflow=overflow)

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
        self._listen(event_type, priority)
        return sub

    def subscribe_all(self, handler: Handler, *, priority: int = 0) -> Subscription:
        """Run ``handler`` on this subscriber's thread for every event."""
        return self.subscribe(None, handler, priority=priority)

    def unsubscribe(self, event_type: Key, handler: Handler) -> bool:
        """Stop running ``handler`` for ``event_type``; returns whether it was subscribed."""
        return self._routes.unsubscribe(event_type, handler)

    def publish(self, event: Any) -> None:
        """Publish on the shared bus (so components can treat this as their bus)."""
        self.bus.publish(event)

    def emit(self, event: Any) -> None:
        """Alias of :meth:`publish`."""
        self.bus.publish(event)
