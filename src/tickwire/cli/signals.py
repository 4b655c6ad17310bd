"""SIGTERM stops a command the way Ctrl-C does: the run is flushed, closed and marked
``interrupted``, instead of the process dying with the run left ``running``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Terminated", "sigterm_as_interrupt"]


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised where Ctrl-C would raise KeyboardInterrupt, so every
    ``except KeyboardInterrupt`` and ``with`` block that cleans up after Ctrl-C runs."""


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, the first SIGTERM raises :class:`Terminated` in the main thread; any
    later one is ignored, so that the cleanup it started can finish. Outside the main
    thread (where no handler can be installed) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived = False

    def terminate(signum: int, frame: FrameType | None) -> None:
        nonlocal arrived
        if not arrived:
            arrived = True
            raise Terminated(f"terminated by signal {signum}")

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
