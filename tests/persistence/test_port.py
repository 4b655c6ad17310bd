"""The event store port's contract, checked on every adapter: memory, SQLite, PostgreSQL.

The memory store stands in for the databases in the tests above the port, so it must
behave as they do; each test here runs on all three.
"""

from __future__ import annotations

import math
import os
import socket

import pytest

from tickwire.events import Bar, ErrorEvent, Fill, OrderSubmitted, Side, Signal
from tickwire.persistence import (
    EventStore,
    RunInfo,
    RunNotFound,
    RunOwner,
    RunStatus,
    StoreError,
)

from .conftest import bar, mixed_events


def run(run_id: str, started_ns: int = 1, **kw: object) -> RunInfo:
    return RunInfo(run_id=run_id, strategy="ema_cross", started_ns=started_ns, **kw)  # type: ignore[arg-type]


def test_stores_implement_the_port(any_store: EventStore) -> None:
    assert isinstance(any_store, EventStore)


def test_run_metadata_round_trips(any_store: EventStore) -> None:
    owner = RunOwner(host="box", pid=42, start="boot/ns/123")
    info = RunInfo(
        run_id="abc",
        strategy="ema_cross",
        parameters={"fast": 10, "slow": 30, "nested": {"a": [1, 2.5]}},
        data_sources=("data/aapl.csv", "binance:BTCUSDT"),
        tickwire_version="9.9.9",
        started_ns=1_700_000_000_000_000_000,
        owner=owner,
    )
    any_store.create_run(info)
    assert any_store.get_run("abc") == info
    any_store.finish_run(
        "abc",
        ended_ns=1_700_000_001_000_000_000,
        status=RunStatus.FINISHED,
        event_count=42,
        rejected=3,
        summary={"pnl": 12.5, "trades": 3},
    )
    done = any_store.get_run("abc")
    assert done.ended_ns == 1_700_000_001_000_000_000
    assert done.status == "finished"
    assert (done.event_count, done.rejected) == (42, 3)
    assert done.summary == {"pnl": 12.5, "trades": 3}
    assert done.ended_at is not None and done.ended_at.year == 2023
    assert done.parameters == info.parameters and done.owner == owner


def test_metadata_comes_back_as_json_gives_it(any_store: EventStore) -> None:
    any_store.create_run(run("r", parameters={"window": (1, 2)}))
    assert any_store.get_run("r").parameters == {"window": [1, 2]}


def test_list_runs_newest_first(any_store: EventStore) -> None:
    for run_id, started in [("old", 1), ("new", 3), ("mid", 2)]:
        any_store.create_run(run(run_id, started))
    assert [r.run_id for r in any_store.list_runs()] == ["new", "mid", "old"]


def test_an_unknown_run_is_run_not_found_naming_it(any_store: EventStore) -> None:
    for call in (
        lambda: any_store.get_run("nope"),
        lambda: any_store.iter_events("nope"),
        lambda: any_store.append_events("nope", 0, [bar(0)]),
        lambda: any_store.finish_run("nope", ended_ns=1, status="finished", event_count=0),
    ):
        with pytest.raises(RunNotFound, match="nope"):
            call()
    assert issubclass(RunNotFound, KeyError)  # what callers caught before the tree


def test_what_a_store_refuses_is_a_store_error(any_store: EventStore) -> None:
    any_store.create_run(run("r"))
    with pytest.raises(StoreError, match="already holds a run 'r'"):
        any_store.create_run(run("r"))
    with pytest.raises(StoreError, match="run bad: parameters must be JSON-serializable"):
        any_store.create_run(run("bad", parameters={"x": object()}))
    with pytest.raises(StoreError, match="expected an event class or name"):
        any_store.iter_events("r", types=[int])  # type: ignore[list-item]
    with pytest.raises(StoreError, match="must continue at seq 0, got 5"):
        any_store.append_events("r", 5, [bar(0)])
    with pytest.raises(StoreError, match="cannot store event 1: not an event: dict"):
        any_store.append_events("r", 0, [bar(0), {"close": 1.0}])  # type: ignore[list-item]
    assert list(any_store.iter_events("r")) == []  # a refused batch stores nothing


def test_events_come_back_in_order_with_their_seq(any_store: EventStore) -> None:
    any_store.create_run(run("r"))
    events = mixed_events(n_bars=20_000)  # more than a row holds
    any_store.append_events("r", 0, events[:3000])
    any_store.append_events("r", 3000, events[3000:])
    assert list(any_store.iter_events("r")) == events
    assert [rec.seq for rec in any_store.iter_records("r")] == list(range(len(events)))


def test_events_whose_values_break_the_rules_are_stored_and_read_back(
    any_store: EventStore,
) -> None:
    # A journal shows what was published: a strategy's NaN signal, the NaN bar a feed
    # rejected (inside its ErrorEvent), must not make the run unreadable.
    nan_signal = Signal(ts_event_ns=1, instrument="X", side=Side.BUY, trigger_price=math.nan)
    nan_bar = Bar(ts_event_ns=2, instrument="X", open=1.0, high=1.0, low=1.0, close=math.nan)
    error = ErrorEvent(ts_event_ns=2, component="feed", error="NaN close", original_event=nan_bar)
    any_store.create_run(run("r"))
    any_store.append_events("r", 0, [nan_signal, error, bar(3)])
    signal, rejected, good = any_store.iter_events("r")
    assert isinstance(signal, Signal) and math.isnan(signal.trigger_price)
    assert isinstance(rejected, ErrorEvent) and isinstance(rejected.original_event, Bar)
    assert math.isnan(rejected.original_event.close)
    assert good == bar(3)


def test_type_filter_keeps_order_and_sequence_numbers(any_store: EventStore) -> None:
    any_store.create_run(run("r"))
    events = mixed_events()
    any_store.append_events("r", 0, events)
    wanted = [(i, e) for i, e in enumerate(events) if type(e) in (Signal, Fill, OrderSubmitted)]
    records = list(any_store.iter_records("r", types=[Signal, "Fill", OrderSubmitted]))
    assert [(r.seq, r.event) for r in records] == wanted
    assert list(any_store.iter_events("r", types=[])) == []
    assert len(list(any_store.iter_events("r", types=[Bar]))) == 12


def test_runs_do_not_mix(any_store: EventStore) -> None:
    any_store.create_run(run("a"))
    any_store.create_run(run("b"))
    any_store.append_events("a", 0, [bar(1), bar(2)])
    any_store.append_events("b", 0, [bar(3)])
    assert list(any_store.iter_events("a")) == [bar(1), bar(2)]
    assert list(any_store.iter_events("b")) == [bar(3)]


def test_a_running_run_whose_process_is_gone_is_marked_crashed(any_store: EventStore) -> None:
    gone = RunOwner(host=socket.gethostname(), pid=_a_pid_nobody_has())
    alive = RunOwner(host=socket.gethostname(), pid=os.getpid())
    elsewhere = RunOwner(host="another-host.example", pid=_a_pid_nobody_has())
    for run_id, owner in [("gone", gone), ("alive", alive), ("elsewhere", elsewhere)]:
        any_store.create_run(run(run_id, owner=owner))
    any_store.append_events("gone", 0, [bar(0), bar(1), bar(2)])
    any_store.create_run(run("done", owner=gone))
    any_store.finish_run("done", ended_ns=2, status=RunStatus.FINISHED, event_count=0)

    assert any_store.recover_crashed_runs() == ["gone"]
    crashed = any_store.get_run("gone")
    assert (crashed.status, crashed.event_count, crashed.ended_ns) == (RunStatus.CRASHED, 3, None)
    statuses = {info.run_id: info.status for info in any_store.list_runs()}
    assert statuses == {
        "gone": "crashed",
        "alive": "running",
        "elsewhere": "running",
        "done": "finished",
    }
    assert any_store.recover_crashed_runs() == []


def _a_pid_nobody_has() -> int:
    """A pid no process has now (pids above the kernel's maximum are never given out)."""
    try:
        with open("/proc/sys/kernel/pid_max") as stream:
            return int(stream.read()) + 1
    except OSError:
        return 2**22 + 1
