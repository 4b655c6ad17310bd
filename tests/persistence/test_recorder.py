"""The Recorder: everything published, in publish order, with metadata; nothing lost; what
cannot be stored rejected on its own. Most tests record into the memory store; those that
involve a database or a real process use the real adapters."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import tickwire
from tickwire.bus import EventBus
from tickwire.events import Bar, EventBase, Side, Signal, SubmitOrder
from tickwire.persistence import (
    EventStore,
    MemoryStore,
    Recorder,
    RunStatus,
    SQLiteStore,
    StoreError,
)
from tickwire.persistence._rows import Row
from tickwire.persistence._sink import DecodingSink

from .conftest import bar, mixed_events

NEVER = 3600.0
"""A flush interval that keeps the writer thread idle during a test."""


def test_records_every_event_with_metadata(any_store: EventStore) -> None:
    store = any_store
    bus = EventBus()
    events = mixed_events()
    recorder = Recorder(
        store,
        strategy="ema_cross",
        parameters={"fast": 10, "slow": 30},
        data_sources=["data/aapl.csv"],
        flush_interval=NEVER,
    ).attach(bus)
    running = store.get_run(recorder.run_id)
    assert running.status == RunStatus.RUNNING and running.ended_ns is None
    for event in events:
        bus.publish(event)
    recorder.close(summary={"pnl": 3.5})
    assert list(store.iter_events(recorder.run_id)) == events
    info = store.get_run(recorder.run_id)
    assert info.strategy == "ema_cross"
    assert info.parameters == {"fast": 10, "slow": 30}
    assert info.data_sources == ("data/aapl.csv",)
    assert info.tickwire_version == tickwire.__version__
    assert info.status == RunStatus.FINISHED
    assert info.summary == {"pnl": 3.5}
    assert info.event_count == len(events)
    assert info.ended_ns is not None and info.ended_ns >= info.started_ns > 0


def test_close_flushes_and_is_idempotent(store: MemoryStore) -> None:
    bus = EventBus()
    recorder = Recorder(store, flush_interval=NEVER, batch_size=7).attach(bus)
    for i in range(50):
        bus.publish(bar(i))
    assert recorder.pending == 50
    recorder.close()
    recorder.close()
    assert recorder.pending == 0 and recorder.recorded == 50
    assert [e.ts_event_ns for e in store.iter_events(recorder.run_id)] == [
        bar(i).ts_event_ns for i in range(50)
    ]
    bus.publish(bar(99))  # after close: no longer subscribed
    assert recorder.pending == 0


def test_flush_commits_what_was_published_so_far(store: MemoryStore) -> None:
    bus = EventBus()
    with Recorder(store, flush_interval=NEVER).attach(bus) as recorder:
        bus.publish(bar(0))
        bus.publish(bar(1))
        recorder.flush()
        assert list(store.iter_events(recorder.run_id)) == [bar(0), bar(1)]
        bus.publish(bar(2))
    assert list(store.iter_events(recorder.run_id)) == [bar(0), bar(1), bar(2)]


def test_nested_publishes_are_recorded_in_publish_order(store: MemoryStore) -> None:
    bus = EventBus()
    signal_ = Signal(ts_event_ns=1, ts_created_ns=1, instrument="A", side=Side.BUY, trigger_price=1)
    order = SubmitOrder(ts_event_ns=1, ts_created_ns=1, instrument="A", side=Side.BUY, quantity=1)
    # Subscribed before the recorder, at the highest normal priority, and publishing
    # depth-first: the recorder still records the cause before its consequences.
    bus.subscribe(Bar, lambda e: bus.publish(signal_), priority=100)
    bus.subscribe(Signal, lambda e: bus.publish(order), priority=100)
    with Recorder(store, flush_interval=NEVER).attach(bus) as recorder:
        bus.publish(bar(0))
    assert list(store.iter_events(recorder.run_id)) == [bar(0), signal_, order]


def test_keyboard_interrupt_inside_the_with_block_loses_nothing(store: MemoryStore) -> None:
    bus = EventBus()

    def ctrl_c_at_250(event: Bar) -> None:
        if event.ts_event_ns == bar(250).ts_event_ns:
            raise KeyboardInterrupt

    bus.subscribe(Bar, ctrl_c_at_250)
    with (
        pytest.raises(KeyboardInterrupt),
        Recorder(store, flush_interval=NEVER, batch_size=64).attach(bus) as recorder,
    ):
        for i in range(1000):
            bus.publish(bar(i))
    assert list(store.iter_events(recorder.run_id)) == [bar(i) for i in range(251)]
    info = store.get_run(recorder.run_id)
    assert info.status == RunStatus.INTERRUPTED and info.event_count == 251


def test_a_failing_block_marks_the_run_failed(store: MemoryStore) -> None:
    bus = EventBus()
    with pytest.raises(ValueError), Recorder(store).attach(bus) as recorder:
        bus.publish(bar(0))
        raise ValueError("strategy bug")
    assert store.get_run(recorder.run_id).status == RunStatus.FAILED
    assert list(store.iter_events(recorder.run_id)) == [bar(0)]


class _Observed:
    """Wraps a store; tells which thread stored a batch and can fail the first N batches."""

    def __init__(self, store: MemoryStore, failures: int = 0) -> None:
        self.inner = store
        self.failures = failures
        self.stored = threading.Event()
        self.failed = threading.Event()
        self.threads: list[str] = []

    def append_events(self, run_id: str, first_seq: int, events: Sequence[EventBase]) -> None:
        if self.failures:
            self.failures -= 1
            self.failed.set()
            raise StoreError("disk full")
        self.inner.append_events(run_id, first_seq, events)
        self.threads.append(threading.current_thread().name)
        self.stored.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _ObservedSink(MemoryStore):
    """A memory store that takes the recorder's rows itself, noting each batch's size and
    whether it was to be compressed."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[int, bool]] = []
        self.threads: list[str] = []
        self.all_stored = threading.Event()
        self.expected = -1

    def write_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        DecodingSink(self).write_rows(run_id, rows)
        self.calls.append((sum(r.last_seq - r.seq + 1 for r in rows), compress))
        self.threads.append(threading.current_thread().name)
        if sum(count for count, _ in self.calls) == self.expected:
            self.all_stored.set()


def test_the_writer_thread_stores_batches_without_a_flush(store: MemoryStore) -> None:
    observed = _Observed(store)
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=0.001).attach(bus)
    for i in range(100):
        bus.publish(bar(i))
    assert observed.stored.wait(timeout=30)
    assert observed.threads[0].startswith("tickwire-recorder-")
    recorder.close()
    assert [e.ts_event_ns for e in store.iter_events(recorder.run_id)] == [
        bar(i).ts_event_ns for i in range(100)
    ]


def test_a_failed_write_keeps_the_events_for_the_next_flush(store: MemoryStore) -> None:
    observed = _Observed(store, failures=1)
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=NEVER, batch_size=10).attach(bus)
    for i in range(25):
        bus.publish(bar(i))
    with pytest.raises(StoreError, match="disk full"):
        recorder.flush()
    assert recorder.pending == 25 and recorder.recorded == 0
    recorder.close()
    assert list(store.iter_events(recorder.run_id)) == [bar(i) for i in range(25)]


def test_the_writer_thread_retries_a_failed_write(store: MemoryStore) -> None:
    observed = _Observed(store, failures=2)
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=0.001).attach(bus)
    bus.publish(bar(0))
    assert observed.stored.wait(timeout=30)  # after two failures, by the writer thread
    assert observed.threads == [f"tickwire-recorder-{recorder.run_id[:8]}"]
    bus.publish(bar(1))
    recorder.close()
    assert recorder.writer_error is None
    assert list(store.iter_events(recorder.run_id)) == [bar(0), bar(1)]


def test_a_store_that_cannot_take_the_last_events_leaves_the_run_failed(
    store: MemoryStore,
) -> None:
    observed = _Observed(store)
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=NEVER).attach(bus)
    bus.publish(bar(0))
    recorder.flush()
    bus.publish(bar(1))
    observed.failures = 10**9
    with pytest.raises(StoreError, match="disk full"):
        recorder.close()
    info = store.get_run(recorder.run_id)
    assert (info.status, info.event_count) == (RunStatus.FAILED, 1)
    assert list(store.iter_events(recorder.run_id)) == [bar(0)]


def test_misuse_is_reported(store: MemoryStore) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Recorder(store, batch_size=0)
    with pytest.raises(ValueError, match="flush_interval"):
        Recorder(store, flush_interval=0)
    bus = EventBus()
    recorder = Recorder(store).attach(bus)
    with pytest.raises(RuntimeError, match="attached only once"):
        recorder.attach(bus)
    recorder.close()


def test_the_run_names_its_process_and_no_password(store: MemoryStore) -> None:
    recorder = Recorder(
        store, data_sources=["wss://trader:hunter2@feed.example/ws", "bars.csv"]
    ).attach(EventBus())
    recorder.close()
    info = store.get_run(recorder.run_id)
    assert info.data_sources == ("wss://trader:***@feed.example/ws", "bars.csv")
    assert info.owner is not None
    assert (info.owner.host, info.owner.pid) == (socket.gethostname(), os.getpid())


# -- one bad event must never stop recording -------------------------------------------------


class _Opaque:
    """An object no codec knows."""


BAD: list[Any] = [
    object(),
    {"close": 101.5},
    "a websocket message",
    Bar(ts_event_ns=2**63, instrument="X", open=1, high=1, low=1, close=1),
    Bar(ts_event_ns=-(2**63) - 1, instrument="X", open=1, high=1, low=1, close=1),
    Signal(ts_event_ns=1, instrument="X", side=Side.BUY, trigger_price=1, strategy_name=_Opaque()),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("bad", BAD, ids=lambda item: type(item).__name__)
def test_one_bad_event_is_rejected_alone_and_everything_else_is_stored(
    any_store: EventStore, bad: object
) -> None:
    bus = EventBus()
    recorder = Recorder(any_store, flush_interval=NEVER, batch_size=256).attach(bus)
    events = [bar(i) for i in range(1000)]
    for event in events[:300]:
        bus.publish(event)
    bus.publish(bad)  # type: ignore[arg-type]
    for event in events[300:]:
        bus.publish(event)
    recorder.close()  # does not raise
    assert list(any_store.iter_events(recorder.run_id)) == events
    info = any_store.get_run(recorder.run_id)
    assert (info.status, info.event_count, info.rejected) == (RunStatus.FINISHED, 1000, 1)
    ((before_seq, item, error),) = recorder.dead_letters
    assert item is bad and before_seq == 300 and error
    assert recorder.rejected == 1


def test_rejections_are_logged_and_kept_up_to_a_bound(
    store: MemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    bus = EventBus()
    recorder = Recorder(store, flush_interval=NEVER).attach(bus)
    recorder.MAX_DEAD_LETTERS = 5  # type: ignore[misc]
    for i in range(20):
        bus.publish({"n": i})  # type: ignore[arg-type]
        bus.publish(bar(i))
    recorder.close()
    assert recorder.rejected == 20 and len(recorder.dead_letters) == 5
    assert [item for _, item, _ in recorder.dead_letters] == [{"n": i} for i in range(5)]
    warnings = [r.getMessage() for r in caplog.records if r.name == "tickwire.persistence"]
    assert len(warnings) == Recorder.LOGGED_REJECTIONS
    assert warnings[0].endswith("before event 0: not an event: dict {'n': 0}")
    assert "further ones are counted, not logged" in warnings[-1]
    assert store.get_run(recorder.run_id).rejected == 20


_SIGNAL_CHILD = """
import sys
from tickwire.bus import EventBus
from tickwire.events import Bar
from tickwire.persistence import Recorder, SQLiteStore

bus = EventBus()
seen = [0]

def count(event):
    seen[0] += 1

bus.subscribe(Bar, count)
block_at = int(sys.argv[2])  # 0: never
try:
    with Recorder(SQLiteStore(sys.argv[1]), strategy="signal").attach(bus) as recorder:
        print(recorder.run_id, flush=True)
        i = 0
        while True:
            bus.publish(Bar(ts_event_ns=i, instrument="X", open=1.0, high=1.0, low=1.0, close=1.0))
            i += 1
            if i == 5000:
                recorder.flush()
                print("ready", flush=True)
            if i == block_at:
                sys.stdin.readline()  # wait here for the signal
except KeyboardInterrupt:
    print(seen[0], flush=True)
"""


def _recording_child(db: Path, stop_after: int) -> tuple[subprocess.Popen[str], str]:
    """A process recording bars into ``db``; returns it and its run id once 5000 bars are
    stored. With ``stop_after`` it blocks that many bars later, else it goes on."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", _SIGNAL_CHILD, str(db), str(stop_after and 5000 + stop_after)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    run_id = child.stdout.readline().strip()
    assert child.stdout.readline().strip() == "ready"
    return child, run_id


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_a_real_sigint_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "sigint.db"
    child, run_id = _recording_child(db, stop_after=0)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0
    delivered = int(out.split()[-1])
    with SQLiteStore(db) as store:
        stored = [e.ts_event_ns for e in store.iter_events(run_id)]
        info = store.get_run(run_id)
    # Every event that reached a subscriber is stored (the recorder sees each one first).
    assert delivered >= 5000
    assert stored == list(range(len(stored)))
    assert delivered <= len(stored) <= delivered + 1
    assert info.status == RunStatus.INTERRUPTED and info.event_count == len(stored)


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_a_run_killed_with_sigkill_is_found_crashed_with_what_was_stored(tmp_path: Path) -> None:
    db = tmp_path / "sigkill.db"
    child, run_id = _recording_child(db, stop_after=1000)
    with SQLiteStore(db) as store:
        assert store.get_run(run_id).status == RunStatus.RUNNING  # its process is alive
    child.kill()
    child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL
    with SQLiteStore(db) as store:  # opening the store judges the runs
        info = store.get_run(run_id)
        stored = [e.ts_event_ns for e in store.iter_events(run_id)]
    assert info.status == RunStatus.CRASHED
    assert len(stored) >= 5000 and stored == list(range(len(stored)))  # a prefix, in order
    assert info.event_count == len(stored)


def test_the_switch_interval_is_shortened_while_recording_and_restored(store: MemoryStore) -> None:
    before = sys.getswitchinterval()
    first = Recorder(store, switch_interval=before / 5).attach(EventBus())
    second = Recorder(store, switch_interval=before / 2).attach(EventBus())
    assert sys.getswitchinterval() == pytest.approx(before / 5)
    first.close()
    assert sys.getswitchinterval() == pytest.approx(before / 5)  # the second still records
    second.close()
    assert sys.getswitchinterval() == before
    with Recorder(store, switch_interval=None).attach(EventBus()):
        assert sys.getswitchinterval() == before


def test_a_writer_that_falls_behind_stores_uncompressed_until_it_catches_up() -> None:
    sink = _ObservedSink()
    bus = EventBus()
    recorder = Recorder(sink, flush_interval=NEVER, batch_size=64).attach(bus)
    with recorder._store_lock:  # the writer thread, woken by the first batch, waits here
        for i in range(150):  # two batches of 64 sealed by the publisher, 22 events pending
            bus.publish(bar(i))
    recorder._store_batches(catch_up=True)  # what the writer thread does (or did first)
    bus.publish(bar(150))
    recorder.close()
    assert sink.calls == [(64, False), (64, True), (23, True)]
    assert list(sink.iter_events(recorder.run_id)) == [bar(i) for i in range(151)]


def test_the_writer_stores_full_batches_and_packs_a_quiet_tail() -> None:
    sink = _ObservedSink()
    sink.expected = 300
    bus = EventBus()
    recorder = Recorder(sink, flush_interval=NEVER, batch_size=128).attach(bus)
    for i in range(300):  # however slow: the writer does not seal while the interval is long
        bus.publish(bar(i))
    recorder._flush_interval = 0.001
    recorder._sealed.set()  # wakes the writer, which waits the short interval from now on
    # The publisher encoded groups of 64 and sealed two batches of 128; the writer stores
    # them and, once nothing was sealed for an interval, seals the last 44 itself.
    assert sink.all_stored.wait(timeout=30)
    assert [count for count, _ in sink.calls] == [128, 128, 44]
    assert all(t.startswith("tickwire-recorder-") for t in sink.threads)
    recorder.close()
    assert recorder.recorded == 300 and recorder.pending == 0
    assert len(sink.threads) == 3  # close() found nothing left to store
    assert list(sink.iter_events(recorder.run_id)) == [bar(i) for i in range(300)]
