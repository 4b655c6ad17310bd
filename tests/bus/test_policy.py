"""The error policy runners share: ErrorStop ends a run at the first failure."""

from __future__ import annotations

import threading

import pytest

from tickwire import ConfigError
from tickwire.bus import ErrorPolicy, EventBus
from tickwire.bus.policy import ErrorStop, RunStopped
from tickwire.events import Bar, ErrorEvent


def _bar() -> Bar:
    return Bar(ts_event_ns=1, instrument="X", open=1.0, high=1.0, low=1.0, close=1.0)


def test_a_handler_failure_raises_run_stopped_out_of_publish() -> None:
    bus = EventBus()
    seen: list[ErrorEvent] = []
    bus.subscribe(ErrorEvent, seen.append)  # subscribers of the error see it first
    stop = ErrorStop().attach(bus)

    def fail(bar: Bar) -> None:
        raise ValueError("no")

    bus.subscribe(Bar, fail)
    with pytest.raises(RunStopped) as caught:
        bus.publish(_bar())
    assert caught.value.error is stop.stopped_by is seen[0]
    assert seen[0].component.endswith("fail") and "ValueError: no" in seen[0].traceback
    bus.publish(_bar())  # once stopped, later failures are only counted
    assert len(seen) == 2


def test_ignored_components_never_stop() -> None:
    bus = EventBus()
    stop = ErrorStop(ignore=("feed",)).attach(bus)
    bus.publish(ErrorEvent(ts_event_ns=1, component="feed", error="bad message"))
    assert stop.stopped_by is None


def test_on_another_thread_it_only_records() -> None:
    bus = EventBus()
    stop = ErrorStop().attach(bus)
    error = ErrorEvent(ts_event_ns=1, component="worker", error="boom")
    thread = threading.Thread(target=bus.publish, args=(error,))
    thread.start()
    thread.join()
    assert stop.stopped_by == error


def test_policies_parse_from_text() -> None:
    assert ErrorPolicy.parse("continue") is ErrorPolicy.CONTINUE
    assert ErrorPolicy.parse(ErrorPolicy.STOP) is ErrorPolicy.STOP
    with pytest.raises(ConfigError, match="on_error must be one of 'stop', 'continue'"):
        ErrorPolicy.parse("ignore")
