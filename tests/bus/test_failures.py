"""A handler that fails on every event: a few log lines and exact counts, not a line per
event."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.bus.failures import FailureLog
from tickwire.events import Bar, ErrorEvent, create_bar_event


def bar(i: int) -> Bar:
    return create_bar_event("X", i, i, i, i, i)


def broken(event: Any) -> None:
    raise ValueError(f"cannot use {event.ts_event_ns}")


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tickwire.bus"]


def test_every_failure_is_counted_but_only_a_few_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus(dead_letter_capacity=100)
    errors: list[ErrorEvent] = []
    bus.subscribe(Bar, broken)
    bus.subscribe(ErrorEvent, errors.append)
    with caplog.at_level(logging.ERROR, logger="tickwire.bus"):
        for i in range(1, 1001):
            bus.publish(bar(i))
    lines = _lines(caplog)
    assert len(lines) == 12
    assert all("failed on Bar: ValueError('cannot use" in line for line in lines[:10])
    assert "further ones of this kind are counted and summarised" in lines[9]
    assert lines[10] == "... 90 more failures of ValueError in broken (100 in all)"
    assert lines[11] == "... 900 more failures of ValueError in broken (1,000 in all)"
    first = next(r for r in caplog.records if r.name == "tickwire.bus")
    assert first.exc_info is not None  # the first of its kind carries its traceback
    stats = bus.get_stats()
    assert stats["errors"] == 1000
    assert stats["failures"] == {"broken": {"ValueError": 1000}}
    assert len(errors) == 1000  # every failure is still published
    assert len(bus.dead_letters) == 100 and bus.dead_letters.overflowed == 900
    assert "ValueError: cannot use 1000" in bus.dead_letters.list()[-1].traceback


def test_shutdown_logs_the_failures_not_yet_summarised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus(error_events=False)
    bus.subscribe(Bar, broken)
    with caplog.at_level(logging.ERROR, logger="tickwire.bus"):
        for i in range(150):
            bus.publish(bar(i))
        bus.shutdown()
        bus.shutdown()  # nothing new: nothing more logged
    assert _lines(caplog)[-2:] == [
        "... 90 more failures of ValueError in broken (100 in all)",
        "... 50 more failures of ValueError in broken (150 in all)",
    ]


def test_kinds_are_counted_apart_and_a_slow_trickle_is_summarised_by_time() -> None:
    logger = logging.getLogger("tickwire.test_failures")
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Collect()
    logger.addHandler(handler)
    logger.propagate = False
    now = [0.0]
    log = FailureLog(logger, full_lines=2, interval=60.0, clock=lambda: now[0])
    try:
        for _ in range(5):
            log.record("on_bar", bar(1), ValueError("x"))
        log.record("on_bar", bar(1), KeyError("k"))
        now[0] = 61.0
        log.record("on_bar", bar(1), ValueError("x"))  # a minute after the last line
        log.record("on_fill", bar(1), ValueError("x"))
    finally:
        logger.removeHandler(handler)
    assert log.counts() == {
        "on_bar": {"ValueError": 6, "KeyError": 1},
        "on_fill": {"ValueError": 1},
    }
    assert records[-2:] == [
        "... 4 more failures of ValueError in on_bar (6 in all)",
        "handler on_fill failed on Bar: ValueError('x')",
    ]
    assert len(records) == 5
