"""What a run does when a handler fails: stop at the first failure (the default) or go on.

One policy for every runner (the backtest today, the live runtime later), so a strategy
that fails behaves the same in both. It costs nothing while no handler fails: the bus
already turns each failure into an :class:`~tickwire.events.ErrorEvent`, and
:class:`ErrorStop` is an ordinary subscriber of that type.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Collection
from typing import Any

from tickwire._exceptions import ConfigError
from tickwire.events import ErrorEvent

__all__ = ["ErrorPolicy", "ErrorStop", "RunStopped"]

_LAST = -(2**62)
"""ErrorStop's priority: after every other handler of the ErrorEvent (the recorder and a
result's collectors keep it before the run is stopped)."""


class ErrorPolicy(enum.StrEnum):
    """What a run does when a handler (usually a strategy callback) raises."""

    STOP = "stop"
    """End the run at the first failure: the event being handled is its last; the run is
    ``failed``."""
    CONTINUE = "continue"
    """Count the failure, keep it, and go on with the next event; the run ends
    ``finished with errors``."""

    @classmethod
    def parse(cls, value: ErrorPolicy | str) -> ErrorPolicy:
        """``value`` as a policy; ConfigError names the choices."""
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(repr(p.value) for p in cls)
            raise ConfigError(f"on_error must be one of {choices}, got {value!r}") from None


class RunStopped(BaseException):
    """Raised through the bus to end a run at a failure. A BaseException, so that the
    bus's isolation of handler failures (``except Exception``) lets it pass."""

    def __init__(self, error: ErrorEvent) -> None:
        super().__init__(error.error)
        self.error = error


class ErrorStop:
    """Stops a run at the first ErrorEvent published on its bus, except those of the
    components in ``ignore``: a runner's own reports of bad input (a rejected bar, a feed
    message that does not parse), which are kept and counted but never stop a run.

    On the thread that made it (the runner's) it raises :class:`RunStopped`, which unwinds
    to the runner; on another thread (a threaded subscriber's) it only records the failure, for
    the runner to see through :attr:`stopped_by` before its next event.
    """

    def __init__(self, *, ignore: Collection[str] = ()) -> None:
        self._ignore = frozenset(ignore)
        self._thread = threading.get_ident()
        self.stopped_by: ErrorEvent | None = None
        """The failure that stopped the run, once one has."""

    def attach(self, bus: Any) -> ErrorStop:
        """Subscribe to ``bus``'s ErrorEvents, after every other subscriber."""
        bus.subscribe(ErrorEvent, self.on_error, priority=_LAST)
        return self

    def on_error(self, error: ErrorEvent) -> None:
        """Stop the run at ``error`` (unless it comes from an ignored component)."""
        if error.component in self._ignore or self.stopped_by is not None:
            return
        self.stopped_by = error
        if threading.get_ident() == self._thread:
            raise RunStopped(error)
