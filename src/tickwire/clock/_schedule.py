"""What both clocks share: the checks on timers and the record of what is set."""

from __future__ import annotations

from dataclasses import dataclass

from tickwire._exceptions import ConfigError
from tickwire.clock._port import TimerCallback

__all__ = ["Scheduled", "check_timer", "first_due"]


@dataclass
class Scheduled:
    """One timer or alert: when it is next due, and how it repeats."""

    name: str
    due_ns: int
    interval_ns: int
    """0 for an alert."""
    stop_ns: int | None
    callback: TimerCallback
    order: int
    """Set order: what fires first among things due at the same time."""
    fired: int = 0
    cancelled: bool = False

    def next_due(self) -> int | None:
        """When it is due after firing now, or None when it is done."""
        if not self.interval_ns:
            return None
        due = self.due_ns + self.interval_ns
        return None if self.stop_ns is not None and due > self.stop_ns else due


def check_timer(name: str, interval_ns: int, known: set[str]) -> None:
    """Refuse a duplicate name or an interval that is not a positive whole number of ns."""
    if not name:
        raise ConfigError("a timer needs a name")
    if name in known:
        raise ConfigError(f"timer or alert {name!r} is already set; cancel it first")
    if not isinstance(interval_ns, int) or isinstance(interval_ns, bool) or interval_ns <= 0:
        raise ConfigError(
            f"timer {name!r}: interval must be a positive int of ns, got {interval_ns!r}"
        )


def first_due(
    name: str,
    interval_ns: int,
    known: set[str],
    now_ns: int,
    start_ns: int | None,
    stop_ns: int | None,
) -> int:
    """When a new timer first fires (``start_ns``, else one interval from now), after the
    checks of :func:`check_timer` and that ``stop_ns`` is not before it."""
    check_timer(name, interval_ns, known)
    first = now_ns + interval_ns if start_ns is None else start_ns
    if stop_ns is not None and stop_ns < first:
        raise ConfigError(f"timer {name!r}: stop_ns is before its first time")
    return first
