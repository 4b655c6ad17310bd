"""The ``EventEngine`` API of the 'Event-Driven Architecture' design document whose API
reference lists EventType, Event, EventListener and EventEngine.

Listeners register with the engine for the event types they list; ``put`` queues an
event from any thread, and the engine's one thread takes the events in order and
publishes them on an :class:`EventBus`, which delivers them to the listeners. The queue
and thread are a :class:`~tickwire.bus.worker.Worker`, so the engine counts and never
hangs the way threaded subscribers do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from tickwire.bus._bus import EventBus
from tickwire.bus._subscription import Key
from tickwire.bus.worker import Worker
from tickwire.events import Event, EventType

__all__ = ["EventEngine", "EventListener"]


class EventListener:
    """A named component that handles the event types it lists; override handle_event."""

    def __init__(self, name: str, event_types: Iterable[Key]) -> None:
        self.name = name
        self.event_types = list(event_types)

    def handle_event(self, event: Any) -> None:
        """Handle one event of a listed type (on the engine's thread)."""
        raise NotImplementedError(f"{type(self).__name__} must implement handle_event")

    def can_handle_event_type(self, event_type: Key) -> bool:
        """Whether ``event_type`` is one of the listed types."""
        return event_type in self.event_types


class EventEngine:
    """A queue and one thread in front of a bus.

    Events ``put`` before ``start`` wait in the queue; ``stop`` processes what is queued,
    then stops. ``put(event, critical=True)`` jumps the queue. With ``timer_interval``
    (seconds) the engine also puts an ``Event(EventType.TIMER, {"interval": ...})``
    periodically while running. With ``maxsize`` the queue is bounded and ``put`` waits
    for room (it raises BusError where that wait could never end: before ``start``, or
    on the engine's own thread).
    """

    def __init__(
        self,
        bus: EventBus | None = None,
        *,
        timer_interval: float | None = None,
        maxsize: int = 0,
    ) -> None:
        if timer_interval is not None and timer_interval <= 0:
            raise ValueError(f"timer_interval must be positive, got {timer_interval}")
        self.bus = bus if bus is not None else EventBus()
        self.timer_interval = timer_interval
        self._listeners: dict[str, EventListener] = {}
        self._lock = threading.Lock()
        self._worker = Worker("event-engine", self.bus.publish, maxsize=maxsize)
        self._timer_stop = threading.Event()
        self._timer: threading.Thread | None = None

    def register_listener(self, listener: EventListener) -> None:
        """Deliver each of ``listener.event_types`` to ``listener.handle_event``."""
        with self._lock:
            if listener.name in self._listeners:
                raise ValueError(f"a listener named {listener.name!r} is already registered")
            self._listeners[listener.name] = listener
        for event_type in listener.event_types:
            self.bus.subscribe(event_type, listener.handle_event)

    def unregister_listener(self, listener: EventListener) -> None:
        """Stop delivering to ``listener``; KeyError if it is not registered."""
        with self._lock:
            if self._listeners.pop(listener.name, None) is None:
                raise KeyError(f"no listener named {listener.name!r} is registered")
        for event_type in listener.event_types:
            self.bus.unsubscribe(event_type, listener.handle_event)

    def get_listeners(self) -> list[EventListener]:
        """The registered listeners, in registration order."""
        with self._lock:
            return list(self._listeners.values())

    def put(self, event: Any, *, critical: bool = False) -> None:
        """Queue ``event`` for processing on the engine thread; safe from any thread.

        After :meth:`stop` has begun, events are rejected (counted in :meth:`counts`)."""
        if critical:
            self._worker.put_urgent(event)
        else:
            self._worker.put(event)

    def start(self) -> None:
        """Start the engine thread (and the timer); events already put are processed."""
        self._worker.start()
        if self.timer_interval is not None and self._timer is None:
            self._timer_stop.clear()
            self._timer = threading.Thread(
                target=self._tick, name="tickwire-event-engine-timer", daemon=True
            )
            self._timer.start()

    def stop(self, timeout: float | None = None) -> bool:
        """Process everything already queued, then stop the engine thread. True when it
        has stopped; False when ``timeout`` ran out (what was still queued is dropped,
        and counted)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._timer is not None:
            self._timer_stop.set()
            self._timer.join(timeout)
            self._timer = None
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        return self._worker.stop(left)

    def is_running(self) -> bool:
        """True between :meth:`start` and the end of :meth:`stop`."""
        return self._worker.is_running

    def counts(self) -> dict[str, int]:
        """Events put, delivered, dropped, rejected and still queued."""
        return self._worker.counts()

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued event has been processed."""
        return self._worker.wait_until_idle(timeout)

    def _tick(self) -> None:
        interval = self.timer_interval
        assert interval is not None
        while not self._timer_stop.wait(interval):
            self.put(Event(EventType.TIMER, {"interval": interval}, source="event_engine"))
