"""The ``Subscriber`` API of the 'Event-Driven Architecture' page that explains the bus's
threading model and backtest determinism (one worker thread and queue per subscriber,
the idle-wait protocol).

A component subclasses :class:`Subscriber` and overrides ``_on_event``; the bus calls
``receive(event)``, which only enqueues, and the subscriber's own thread processes the
events one at a time, in the order they were published. ``wait_until_idle()`` returns
once everything queued is processed, and every subscriber of a bus takes part in
``bus.wait_until_system_idle()``. ``shutdown()`` leaves the bus, processes what is
queued, stops the thread and runs ``_cleanup()`` on it.

Where that page's subscriber has an unbounded queue and ignores failures by default,
this one can be bounded (``maxsize``/``overflow``, as for threaded subscribers) and
reports a failure the way every bus handler's failure is reported (logged, kept as a
dead letter, published as an ErrorEvent) before ``_on_exception`` sees it.
"""

from __future__ import annotations

import abc
from typing import Any

from tickwire.bus._bus import EventBus
from tickwire.bus._subscription import Key
from tickwire.bus.threaded import QueuedSubscriber
from tickwire.bus.worker import Overflow

__all__ = ["Subscriber"]


class Subscriber(QueuedSubscriber, abc.ABC):
    """Subclass and override :meth:`_on_event`; it runs on this subscriber's own thread.

    ``name`` (default: the class name) is how stats, logs and the thread call it.
    """

    def __init__(
        self,
        event_bus: EventBus,
        *,
        name: str | None = None,
        maxsize: int = 0,
        overflow: Overflow | str = Overflow.BLOCK,
    ) -> None:
        super().__init__(
            event_bus,
            name or type(self).__name__,
            self._on_event,
            maxsize=maxsize,
            overflow=overflow,
            on_error=self._failed,
            on_exit=self._cleanup,
        )

    def _subscribe(self, *event_types: Key, priority: int = 0) -> None:
        """Receive events of each of ``event_types`` (exact types, or EventType names)."""
        for event_type in event_types:
            self._listen(event_type, priority)

    def _unsubscribe(self, *event_types: Key) -> None:
        """Stop receiving events of each of ``event_types``."""
        for event_type in event_types:
            self._unlisten(event_type)

    def _publish(self, event: Any) -> None:
        """Publish ``event`` on the bus."""
        self.bus.publish(event)

    @abc.abstractmethod
    def _on_event(self, event: Any) -> None:
        """Handle one event, on this subscriber's thread. It should not block for long:
        the idle barrier waits for it."""

    def _on_exception(self, exc: Exception) -> None:
        """Told of each exception ``_on_event`` raised (after the bus has reported it);
        override for recovery. The thread goes on with the next event either way."""

    def _cleanup(self) -> None:
        """Runs on this subscriber's thread after its last event (on shutdown); override
        to release resources."""

    def _failed(self, event: Any, exc: Exception) -> None:
        # The dead letter's handler is ``receive``: a replay queues the event again for
        # this subscriber's thread rather than running ``_on_event`` on the caller's.
        self.bus._on_failure(event, f"{self.name}._on_event", self.receive, exc)
        self._on_exception(exc)
