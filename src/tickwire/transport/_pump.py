"""One loop for a process's transport components: wait on all their sockets and timers,
then let each handle what arrived and what is due (all on one thread, the bus's)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import Protocol

import zmq

__all__ = ["Component", "Pump"]


class Component(Protocol):
    """What a pump drives: sockets to wait on, a non-blocking poll, a next timer."""

    @property
    def sockets(self) -> tuple[zmq.Socket[bytes], ...]:
        """The sockets whose input the component handles."""
        ...

    def poll(self) -> int:
        """Handle what has arrived and what is due, without blocking; how much."""
        ...

    def next_due_ns(self) -> int | None:
        """When the next timer is due (``time.monotonic_ns``), or None."""
        ...


class Pump:
    """Drives ``components`` from the calling thread (which should own the bus)."""

    def __init__(self, components: Sequence[Component]) -> None:
        self._components = tuple(components)
        self._poller = zmq.Poller()
        for component in self._components:
            for sock in component.sockets:
                self._poller.register(sock, zmq.POLLIN)

    def once(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` (less when a timer is due first), then poll every
        component; how much they handled."""
        due = [d for d in (c.next_due_ns() for c in self._components) if d is not None]
        wait_ms = timeout_s * 1000.0
        if due:
            wait_ms = min(wait_ms, max(0.0, (min(due) - time.monotonic_ns()) / 1e6))
        if 0.0 < wait_ms < 1.0:
            # zmq_poll counts whole milliseconds: a timer due sooner (a batch's 200 µs)
            # would wait a whole one, so sleep the fraction and look without waiting
            time.sleep(wait_ms / 1000.0)
            self._poller.poll(0)
        else:
            self._poller.poll(math.ceil(wait_ms))
        return sum(component.poll() for component in self._components)

    def run(self, stop: threading.Event, *, idle_timeout_s: float = 0.05) -> None:
        """Pump until ``stop`` is set (checked at least every ``idle_timeout_s``)."""
        while not stop.is_set():
            self.once(idle_timeout_s)
