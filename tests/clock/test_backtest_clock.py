"""The backtest clock: timers fire in time order between events, the same every run."""

from __future__ import annotations

import pytest

from tickwire import ConfigError
from tickwire.clock import BacktestClock
from tickwire.events import TimerEvent

S = 1_000_000_000


def recording(clock: BacktestClock, log: list[tuple[str, int, int, int]]) -> object:
    def on_timer(event: TimerEvent) -> None:
        log.append((event.name, event.ts_event_ns, event.sequence, clock.now_ns()))

    return on_timer


def test_timers_and_alerts_fire_in_due_order_with_the_time_set_to_when_they_were_due() -> None:
    clock = BacktestClock(start_ns=0)
    log: list[tuple[str, int, int, int]] = []
    callback = recording(clock, log)
    clock.set_timer("every-3s", 3 * S, callback)  # type: ignore[arg-type]
    clock.set_alert("at-4s", 4 * S, callback)  # type: ignore[arg-type]
    clock.set_timer("every-2s", 2 * S, callback, start_ns=3 * S, stop_ns=7 * S)  # type: ignore[arg-type]
    assert clock.advance_to(10 * S) == 7
    assert log == [
        ("every-3s", 3 * S, 0, 3 * S),
        ("every-2s", 3 * S, 0, 3 * S),  # the same time: in the order they were set
        ("at-4s", 4 * S, 0, 4 * S),
        ("every-2s", 5 * S, 1, 5 * S),
        ("every-3s", 6 * S, 1, 6 * S),
        ("every-2s", 7 * S, 2, 7 * S),  # its stop time: the last one
        ("every-3s", 9 * S, 2, 9 * S),
    ]
    assert clock.now_ns() == 10 * S and clock.names() == ["every-3s"]
    assert clock.next_due_ns == 12 * S


def test_nothing_fires_before_its_time_and_time_never_goes_back() -> None:
    clock = BacktestClock(start_ns=5 * S)
    log: list[tuple[str, int, int, int]] = []
    clock.set_alert("later", 8 * S, recording(clock, log))  # type: ignore[arg-type]
    assert clock.advance_to(7 * S) == 0 and log == []
    assert clock.advance_to(6 * S) == 0 and clock.now_ns() == 7 * S
    clock.advance_to(8 * S)
    assert log == [("later", 8 * S, 0, 8 * S)] and clock.names() == []


def test_a_past_alert_fires_at_the_next_advance_at_the_current_time() -> None:
    clock = BacktestClock(start_ns=10 * S)
    log: list[tuple[str, int, int, int]] = []
    clock.set_alert("missed", 2 * S, recording(clock, log))  # type: ignore[arg-type]
    clock.advance_to(10 * S)
    assert log == [("missed", 10 * S, 0, 10 * S)]


def test_callbacks_may_cancel_and_set_timers() -> None:
    clock = BacktestClock()
    log: list[str] = []

    def once(event: TimerEvent) -> None:
        log.append(f"{event.name}@{event.ts_event_ns // S}")
        clock.cancel("tick")
        clock.set_alert("follow-up", clock.now_ns() + S, lambda e: log.append(e.name))

    clock.set_timer("tick", S, once)
    clock.advance_to(5 * S)
    assert log == ["tick@1", "follow-up"]
    assert clock.cancel("tick") is False


def test_the_same_schedule_gives_the_same_firings() -> None:
    def run() -> list[tuple[str, int, int, int]]:
        clock = BacktestClock()
        log: list[tuple[str, int, int, int]] = []
        for n in range(1, 6):
            clock.set_timer(f"t{n}", n * S, recording(clock, log))  # type: ignore[arg-type]
        for step in range(0, 60 * S, 7 * S):
            clock.advance_to(step)
        return log

    assert run() == run() and len(run()) > 50


@pytest.mark.parametrize(
    ("name", "interval", "message"),
    [
        ("", S, "needs a name"),
        ("t", 0, "positive int"),
        ("t", 1.5, "positive int"),
        ("t", True, "positive int"),
    ],
)
def test_bad_timers_are_refused(name: str, interval: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BacktestClock().set_timer(name, interval, print)  # type: ignore[arg-type]


def test_names_are_unique_until_cancelled() -> None:
    clock = BacktestClock()
    clock.set_timer("t", S, print)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'t' is already set"):
        clock.set_alert("t", S, print)  # type: ignore[arg-type]
    assert clock.cancel("t")
    clock.set_alert("t", S, print)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="stop_ns is before"):
        clock.set_timer("u", S, print, start_ns=5 * S, stop_ns=S)  # type: ignore[arg-type]
