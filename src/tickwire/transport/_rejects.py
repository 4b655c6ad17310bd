"""What a socket does with a frame it cannot decode: an ErrorEvent and a dead letter
holding the raw bytes; then it goes on receiving."""

from __future__ import annotations

from collections.abc import Callable

from tickwire.bus import DeadLetter, DeadLetterStore
from tickwire.events import ErrorEvent, EventBase, now_ns

__all__ = ["Rejects"]


class Rejects:
    """Reports the bad frames of one component (``component`` names it in both records)."""

    __slots__ = ("_dead_letters", "_publish", "component", "count")

    def __init__(
        self,
        component: str,
        publish: Callable[[EventBase], None],
        dead_letters: DeadLetterStore,
    ) -> None:
        self.component = component
        self._publish = publish
        self._dead_letters = dead_letters
        self.count = 0
        """How many frames were rejected."""

    def reject(self, raw: bytes, error: Exception) -> None:
        """Keep ``raw`` as a dead letter and publish an ErrorEvent saying why."""
        self.count += 1
        self._dead_letters.add(DeadLetter(raw, self.component, error))
        self._publish(
            ErrorEvent(
                ts_event_ns=now_ns(),
                component=self.component,
                error=str(error),
                error_type=type(error).__name__,
                original_event=raw,
            )
        )
