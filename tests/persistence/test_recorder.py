"""The Recorder: everything published, in publish order, with metadata; nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import tickwire
from tickwire.bus import EventBus
from tickwire.events import Bar, Side, Signal, SubmitOrder
from tickwire.persistence import Recorder, RunStatus, SQLiteStore
from tickwire.persistence._rows import Row
from tickwire.persistence._sql import SqlStore

from .conftest import bar, mixed_events

NEVER = 3600.0
"""A flush interval that keeps the writer thread idle during a test."""


def test_records_every_event_with_metadata(store: SqlStore) -> None:
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


def test_close_flushes_and_is_idempotent(store: SqlStore) -> None:
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


def test_flush_commits_what_was_published_so_far(store: SqlStore) -> None:
    bus = EventBus()
    with Recorder(store, flush_interval=NEVER).attach(bus) as recorder:
        bus.publish(bar(0))
        bus.publish(bar(1))
        recorder.flush()
        assert list(store.iter_events(recorder.run_id)) == [bar(0), bar(1)]
        bus.publish(bar(2))
    assert list(store.iter_events(recorder.run_id)) == [bar(0), bar(1), bar(2)]


def test_nested_publishes_are_recorded_in_publish_order(store: SqlStore) -> None:
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


def test_keyboard_interrupt_inside_the_with_block_loses_nothing(store: SqlStore) -> None:
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


def test_a_failing_block_marks_the_run_failed(store: SqlStore) -> None:
    bus = EventBus()
    with pytest.raises(ValueError), Recorder(store).attach(bus) as recorder:
        bus.publish(bar(0))
        raise ValueError("strategy bug")
    assert store.get_run(recorder.run_id).status == RunStatus.FAILED
    assert list(store.iter_events(recorder.run_id)) == [bar(0)]


class _Observed:
    """Wraps a store; tells which thread stored a batch and can fail the first N batches."""

    def __init__(self, store: SqlStore, failures: int = 0) -> None:
        self.inner = store
        self.failures = failures
        self.stored = threading.Event()
        self.failed = threading.Event()
        self.threads: list[str] = []

    def append_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        if self.failures:
            self.failures -= 1
            self.failed.set()
            raise OSError("disk full")
        self.inner.append_rows(run_id, rows, compress=compress)
        self.threads.append(threading.current_thread().name)
        self.stored.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_the_writer_thread_stores_batches_without_a_flush(store: SqlStore) -> None:
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


def test_a_failed_write_keeps_the_events_for_the_next_flush(store: SqlStore) -> None:
    observed = _Observed(store, failures=1)
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=NEVER, batch_size=10).attach(bus)
    for i in range(25):
        bus.publish(bar(i))
    with pytest.raises(OSError, match="disk full"):
        recorder.flush()
    assert recorder.pending == 25 and recorder.recorded == 0
    recorder.close()
    assert list(store.iter_events(recorder.run_id)) == [bar(i) for i in range(25)]


def test_a_failed_writer_thread_reports_and_close_still_stores(store: SqlStore) -> None:
    observed = _Observed(store, failures=1)
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=0.001).attach(bus)
    bus.publish(bar(0))
    assert observed.failed.wait(timeout=30)
    recorder._thread.join(timeout=30)  # type: ignore[union-attr]
    assert isinstance(recorder.writer_error, OSError)
    bus.publish(bar(1))
    recorder.close()
    assert list(store.iter_events(recorder.run_id)) == [bar(0), bar(1)]


def test_misuse_is_reported(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Recorder(store, batch_size=0)
    with pytest.raises(ValueError, match="flush_interval"):
        Recorder(store, flush_interval=0)
    bus = EventBus()
    recorder = Recorder(store).attach(bus)
    with pytest.raises(RuntimeError, match="attached only once"):
        recorder.attach(bus)
    recorder.close()


_CHILD = """
import sys
from tickwire.bus import EventBus
from tickwire.events import Bar
from tickwire.persistence import Recorder, SQLiteStore

bus = EventBus()
seen = [0]

def count(event):
    seen[0] += 1

bus.subscribe(Bar, count)
try:
    with Recorder(SQLiteStore(sys.argv[1]), strategy="sigint").attach(bus) as recorder:
        print(recorder.run_id, flush=True)
        i = 0
        while True:
            bus.publish(Bar(ts_event_ns=i, instrument="X", open=1.0, high=1.0, low=1.0, close=1.0))
            i += 1
            if i == 5000:
                print("ready", flush=True)
except KeyboardInterrupt:
    print(seen[0], flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_a_real_sigint_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "sigint.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    run_id = child.stdout.readline().strip()
    assert child.stdout.readline().strip() == "ready"
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


def test_the_switch_interval_is_shortened_while_recording_and_restored(store: SqlStore) -> None:
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


def test_a_writer_that_falls_behind_stores_uncompressed_until_it_catches_up(
    store: SqlStore,
) -> None:
    observed = _Observed(store)
    calls: list[tuple[int, bool]] = []
    inner = observed.append_rows

    def append_rows(run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        calls.append((sum(r.last_seq - r.seq + 1 for r in rows), compress))
        inner(run_id, rows, compress=compress)

    observed.append_rows = append_rows  # type: ignore[method-assign]
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=NEVER, batch_size=64).attach(bus)
    for i in range(150):  # two batches of 64 sealed by the publisher, 22 events pending
        bus.publish(bar(i))
    recorder._store_batches(catch_up=True)  # what the writer thread does
    bus.publish(bar(150))
    recorder.close()
    assert calls == [(64, False), (64, True), (23, True)]
    assert list(store.iter_events(recorder.run_id)) == [bar(i) for i in range(151)]


def test_the_writer_stores_full_batches_and_packs_a_quiet_tail(store: SqlStore) -> None:
    observed = _Observed(store)
    stored: list[int] = []
    all_stored = threading.Event()
    inner = observed.append_rows

    def append_rows(run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        inner(run_id, rows, compress=compress)
        stored.append(sum(r.last_seq - r.seq + 1 for r in rows))
        if sum(stored) == 300:
            all_stored.set()

    observed.append_rows = append_rows  # type: ignore[method-assign]
    bus = EventBus()
    recorder = Recorder(observed, flush_interval=0.001, batch_size=128).attach(bus)
    for i in range(300):
        bus.publish(bar(i))
    # The publisher encoded groups of 64 and sealed two batches of 128; the writer stores
    # them and, once nothing was sealed for an interval, seals the last 44 itself.
    assert all_stored.wait(timeout=30)
    assert stored == [128, 128, 44]
    assert all(t.startswith("tickwire-recorder-") for t in observed.threads)
    recorder.close()
    assert recorder.recorded == 300 and recorder.pending == 0
    assert len(observed.threads) == len(stored)  # close() found nothing left to store
    assert list(store.iter_events(recorder.run_id)) == [bar(i) for i in range(300)]
