"""The one-line status a live session prints every few seconds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.text import Text

from tickwire._types import EquityAccount
from tickwire.live import FeedStats, HealthReport

__all__ = ["StatusPrinter", "status_line"]

_STYLES = {"running": "green", "degraded": "yellow", "failed": "red"}


def status_line(
    report: HealthReport, feeds: Sequence[tuple[str, FeedStats]], account: EquityAccount | None
) -> Text:
    """``running 12m03s | feed binance: connected 48,113 msgs 0 gaps 1 rejects | ...``."""
    minutes, seconds = divmod(int(report.uptime_s), 60)
    hours, minutes = divmod(minutes, 60)
    uptime = f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"
    line = Text(report.status, style=_STYLES.get(report.status, "bold"))
    line.append(f" {uptime}")
    for name, stats in feeds:
        line.append(
            f" | feed {name}: {str(stats.state).lower()} {stats.received:,} msgs"
            f" {stats.gaps:,} gaps {stats.rejected:,} rejects {stats.connects - 1:,} reconnects"
        )
    events = report.events
    fills = events.get("Fill", 0)
    line.append(f" | {sum(events.values()):,} events {fills:,} fills")
    if account is not None:
        line.append(f" | equity {account.equity:,.2f}")
    return line


class StatusPrinter:
    """Prints ``line()`` to ``console`` every ``interval`` seconds, from a thread of its
    own, until :meth:`stop`; the caller prints any closing line."""

    def __init__(self, line: Callable[[], Text], console: Console, interval: float = 5.0) -> None:
        if not interval > 0:
            raise ValueError(f"status interval must be above 0, got {interval}")
        self._line = line
        self._console = console
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tickwire-status", daemon=True)

    def start(self) -> StatusPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._print()

    def _print(self) -> None:
        self._console.print(self._line(), highlight=False, soft_wrap=True)
