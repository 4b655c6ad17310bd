"""Dead letters: events a handler failed on, kept (bounded) for inspection and retry."""

from __future__ import annotations

import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tickwire.events import now_ns

__all__ = ["DeadLetter", "DeadLetterStore"]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One failed delivery: the event, who failed on it, why and when."""

    event: Any
    handler_name: str
    error: BaseException
    ts_ns: int = field(default_factory=now_ns)
    handler: Callable[[Any], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def error_type(self) -> str:
        return type(self.error).__qualname__

    @property
    def traceback(self) -> str:
        """The formatted traceback of the failure."""
        return "".join(traceback.format_exception(self.error))


class DeadLetterStore:
    """A bounded, thread-safe store of dead letters; the oldest are dropped when full."""

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self._letters: deque[DeadLetter] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.overflowed = 0
        """How many letters were dropped because the store was full."""

    @property
    def capacity(self) -> int:
        return self._letters.maxlen or 0

    def add(self, letter: DeadLetter) -> None:
        with self._lock:
            if len(self._letters) == self._letters.maxlen:
                self.overflowed += 1
            self._letters.append(letter)

    def list(self) -> list[DeadLetter]:
        """A snapshot of the stored letters, oldest first."""
        with self._lock:
            return list(self._letters)

    def clear(self) -> None:
        with self._lock:
            self._letters.clear()

    def __len__(self) -> int:
        return len(self._letters)

    def __iter__(self) -> Iterator[DeadLetter]:
        return iter(self.list())

    def replay(self, deliver: Callable[[Any], Any] | None = None) -> int:
        """Deliver each letter's event again; keep only those that fail again.

        By default each event goes back to the handler that failed on it; pass
        ``deliver`` (for example ``bus.publish``) to send them elsewhere.
        Returns how many were delivered without error.
        """
        with self._lock:
            letters = list(self._letters)
            self._letters.clear()
        delivered = 0
        for letter in letters:
            target = deliver or letter.handler
            if target is None:
                self.add(letter)
                continue
            try:
                target(letter.event)
            except Exception as exc:
                self.add(DeadLetter(letter.event, letter.handler_name, exc, handler=letter.handler))
            else:
                delivered += 1
        return delivered
