"""Handler failures in the log: the first few of each kind line by line, then counts.

A handler that fails on every event would otherwise write a line per event (a million
lines for a million bars). A kind is a handler and an exception type. The first
``full_lines`` failures of a kind are logged one by one, the first of them with its
traceback. After that the log gets a summary line ("... 900 more failures of ValueError
in Strategy.on_bar (1,000 in all)") each time the kind's count reaches a power of ten,
when ``interval`` seconds have passed since the kind's last line, and on :meth:`flush`
(the bus flushes on shutdown). Every failure is still counted here, kept as a dead
letter (bounded) and published as an ErrorEvent by the bus.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["FailureLog"]


class _Kind:
    """The failures of one handler with one exception type."""

    __slots__ = ("count", "last_line", "logged", "next_summary")

    def __init__(self) -> None:
        self.count = 0
        self.logged = 0
        """Failures the log has accounted for, line by line or in a summary."""
        self.next_summary = 0
        self.last_line = 0.0


class FailureLog:
    """Counts handler failures by kind and logs them without flooding."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        full_lines: int = 10,
        interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._full_lines = full_lines
        self._interval = interval
        self._clock = clock
        self._kinds: dict[tuple[str, str], _Kind] = {}
        self._lock = threading.Lock()

    def record(self, handler_name: str, event: Any, exc: BaseException) -> int:
        """Count one failure of ``handler_name`` on ``event``; log it if its turn has come.
        Returns how many failures of its kind there have been, this one included."""
        error_type = type(exc).__qualname__
        with self._lock:
            kind = self._kinds.get((handler_name, error_type))
            if kind is None:
                kind = self._kinds[(handler_name, error_type)] = _Kind()
            kind.count += 1
            count = kind.count
            if count <= self._full_lines:
                kind.logged = count
                kind.last_line = self._clock()
                if count == self._full_lines:
                    kind.next_summary = _next_power_of_ten(count)
                summary = None
            else:
                now = self._clock()
                if count < kind.next_summary and now - kind.last_line < self._interval:
                    return count
                summary = self._summarise(kind, now)
        if summary is None:
            last = " (further ones of this kind are counted and summarised)"
            self._logger.error(
                "handler %s failed on %s: %r%s",
                handler_name,
                type(event).__name__,
                exc,
                last if count == self._full_lines else "",
                exc_info=exc if count == 1 else None,
            )
        else:
            self._log_summary(handler_name, error_type, *summary)
        return count

    def flush(self) -> None:
        """Log a summary for every kind with failures not yet in the log."""
        with self._lock:
            now = self._clock()
            pending = [
                (name, error_type, self._summarise(kind, now))
                for (name, error_type), kind in self._kinds.items()
                if kind.count > kind.logged
            ]
        for name, error_type, (more, count) in pending:
            self._log_summary(name, error_type, more, count)

    def counts(self) -> dict[str, dict[str, int]]:
        """Failures by handler, then by exception type."""
        with self._lock:
            out: dict[str, dict[str, int]] = {}
            for (name, error_type), kind in self._kinds.items():
                out.setdefault(name, {})[error_type] = kind.count
            return out

    @staticmethod
    def _summarise(kind: _Kind, now: float) -> tuple[int, int]:
        more = kind.count - kind.logged
        kind.logged = kind.count
        kind.last_line = now
        kind.next_summary = _next_power_of_ten(kind.count)
        return more, kind.count

    def _log_summary(self, handler_name: str, error_type: str, more: int, count: int) -> None:
        self._logger.error(
            "... %s more failures of %s in %s (%s in all)",
            f"{more:,}",
            error_type,
            handler_name,
            f"{count:,}",
        )


def _next_power_of_ten(count: int) -> int:
    power = 10
    while power <= count:
        power *= 10
    return power
