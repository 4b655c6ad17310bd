"""The Subscriber base class, used the way the 'Event-Driven Architecture' page on
threading and backtest determinism describes: subclass it and override ``_on_event``."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tickwire.bus import EventBus, Subscriber
from tickwire.events import Bar, ErrorEvent, Signal, create_bar_event


def bar(i: int) -> Bar:
    return create_bar_event("X", i, i, i, i, i)


class Strategy(Subscriber):
    """Signals on every even bar; fails on bar 3."""

    def __init__(self, bus: EventBus) -> None:
        super().__init__(bus)
        self.bars: list[int] = []
        self.threads: set[int] = set()
        self.exceptions: list[Exception] = []
        self.cleaned_up_on: int | None = None
        self._subscribe(Bar)

    def _on_event(self, event: Any) -> None:
        self.threads.add(threading.get_ident())
        if event.ts_event_ns == 3:
            raise ValueError("bar 3")
        self.bars.append(event.ts_event_ns)
        if event.ts_event_ns % 2 == 0:
            self._publish(
                Signal(ts_event_ns=event.ts_event_ns, instrument="X", side="BUY", trigger_price=1)
            )

    def _on_exception(self, exc: Exception) -> None:
        self.exceptions.append(exc)

    def _cleanup(self) -> None:
        self.cleaned_up_on = threading.get_ident()


class Executor(Subscriber):
    def __init__(self, bus: EventBus, gate: threading.Event) -> None:
        super().__init__(bus, name="executor")
        self.gate = gate
        self.signals: list[int] = []
        self._subscribe(Signal)

    def _on_event(self, event: Any) -> None:
        assert self.gate.wait(10)
        self.signals.append(event.ts_event_ns)


def test_a_subclass_processes_its_events_in_order_on_its_own_thread() -> None:
    bus = EventBus()
    strategy = Strategy(bus)
    errors: list[ErrorEvent] = []
    bus.subscribe(ErrorEvent, errors.append)
    for i in range(1, 7):
        bus.publish(bar(i))
    strategy.wait_until_idle()
    assert strategy.bars == [1, 2, 4, 5, 6]
    assert threading.get_ident() not in strategy.threads and len(strategy.threads) == 1
    assert [str(e) for e in strategy.exceptions] == ["bar 3"]
    assert [e.component for e in errors] == ["Strategy._on_event"]
    (letter,) = bus.dead_letters.list()
    assert letter.event.ts_event_ns == 3
    assert bus.shutdown(timeout=10)
    assert strategy.cleaned_up_on in strategy.threads
    bus.publish(bar(7))  # no longer subscribed
    assert strategy.bars == [1, 2, 4, 5, 6]


def test_every_subscriber_joins_the_system_idle_barrier() -> None:
    bus = EventBus()
    gate = threading.Event()
    strategy = Strategy(bus)
    executor = Executor(bus, gate)
    bus.publish(bar(2))  # the strategy signals; the executor holds on at the gate
    assert bus.wait_until_system_idle(timeout=0.05) is False
    gate.set()
    assert bus.wait_until_system_idle(timeout=10)
    assert strategy.bars == [2] and executor.signals == [2]
    stats = bus.get_stats()["subscribers"]
    assert stats["Strategy"]["delivered"] == 1 and stats["executor"]["delivered"] == 1
    assert bus.shutdown(timeout=10)


def test_receive_after_shutdown_is_rejected_and_counted() -> None:
    bus = EventBus()
    strategy = Strategy(bus)
    strategy.receive(bar(1))
    assert strategy.shutdown(timeout=10)
    strategy.receive(bar(2))
    assert strategy.bars == [1]
    assert (strategy.received, strategy.delivered, strategy.rejected) == (2, 1, 1)


def test_replaying_a_dead_letter_queues_the_event_for_the_subscriber_again() -> None:
    bus = EventBus(error_events=False)
    strategy = Strategy(bus)
    bus.publish(bar(3))
    strategy.wait_until_idle()
    assert bus.dead_letters.replay() == 1  # queued again, not run on this thread
    strategy.wait_until_idle()
    assert len(strategy.exceptions) == 2
    assert bus.shutdown(timeout=10)


def test_on_event_must_be_overridden() -> None:
    class Incomplete(Subscriber):
        pass

    with pytest.raises(TypeError, match="_on_event"):
        Incomplete(EventBus())  # type: ignore[abstract]
