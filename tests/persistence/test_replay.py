"""Replay: a recorded run, published into a fresh bus, gives equal events in order."""

from __future__ import annotations

from typing import Any

from tickwire.bus import EventBus
from tickwire.events import Fill, OrderFilled
from tickwire.persistence import MemoryStore, Recorder, RunInfo, replay

from .conftest import mixed_events


def test_record_then_replay_round_trips(store: MemoryStore) -> None:
    events = mixed_events(n_bars=500)
    recording_bus = EventBus()
    with Recorder(store, strategy="round-trip").attach(recording_bus) as recorder:
        for event in events:
            recording_bus.publish(event)
    fresh = EventBus()
    received: list[Any] = []
    fresh.subscribe_all(received.append)
    assert replay(store, recorder.run_id, fresh) == len(events)
    assert received == events


def test_replay_only_some_types(store: MemoryStore) -> None:
    events = mixed_events()
    store.create_run(RunInfo(run_id="r", strategy="s"))
    store.append_events("r", 0, events)
    fresh = EventBus()
    received: list[Any] = []
    fresh.subscribe_all(received.append)
    assert replay(store, "r", fresh, types=[Fill, OrderFilled]) == 2
    assert received == [e for e in events if type(e) in (Fill, OrderFilled)]
