"""The one-line status of a live session."""

from __future__ import annotations

import io
import threading

from rich.console import Console
from rich.text import Text

from tickwire.cli.status import StatusPrinter, status_line
from tickwire.events import FeedState
from tickwire.live import FeedStats, HealthReport


class _Account:
    cash = 1_000.0
    equity = 101_234.5

    def position(self, instrument: str) -> float:
        return 0.0


def test_the_line_says_state_uptime_feed_counters_and_equity() -> None:
    report = HealthReport(
        status="degraded", components={}, uptime_s=3_723.9, events={"Bar": 40, "Fill": 2}
    )
    stats = FeedStats(
        state=FeedState.CONNECTED, connects=3, received=48_113, published=48_000,
        rejected=1, duplicates=5, gaps=2, missing=7, stale=0,
    )  # fmt: skip
    line = status_line(report, [("binance", stats)], _Account())  # type: ignore[arg-type]
    assert line.plain == (
        "degraded 1h02m03s | feed binance: connected 48,113 msgs 2 gaps 1 rejects 2 reconnects"
        " | 42 events 2 fills | equity 101,234.50"
    )
    assert line.style == "yellow"


def test_the_printer_prints_every_interval_until_stopped() -> None:
    out = io.StringIO()
    printed = threading.Semaphore(0)
    calls = 0

    def line() -> Text:
        nonlocal calls
        calls += 1
        printed.release()
        return Text(f"status {calls}")

    printer = StatusPrinter(line, Console(file=out, width=100), interval=0.01).start()
    assert printed.acquire(timeout=10) and printed.acquire(timeout=10)
    printer.stop()
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["status 1", "status 2"] and len(lines) == calls
