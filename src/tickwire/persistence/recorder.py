"""The recorder: every event of a run, in publish order, into an event store."""

from __future__ import annotations

import atexit
import logging
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any, ClassVar, Self

import tickwire
from tickwire._types import SubscribeAll
from tickwire.events import new_id, now_ns
from tickwire.events._taps import remove_chunk_tap, set_chunk_tap
from tickwire.persistence._capture import EventCapture
from tickwire.persistence._owner import this_process
from tickwire.persistence._redact import redact_credentials
from tickwire.persistence._rows import Row
from tickwire.persistence._sink import row_sink
from tickwire.persistence._switch import hold_switch_interval, release_switch_interval
from tickwire.persistence._types import RejectedEvent, RunInfo, RunMode, RunStatus
from tickwire.persistence.port import EventStore

__all__ = ["RECORDER_PRIORITY", "Recorder"]

logger = logging.getLogger("tickwire.persistence")

RECORDER_PRIORITY = 1_000_000_000
"""The recorder's bus priority: it sees each event before any other handler, so that
events published by handlers (depth-first) are recorded after the event that caused them."""


class Recorder:
    """Persists every event published on a bus, with the run's metadata.

    The bus handler encodes events 64 at a time in the publishing thread and keeps only
    their bytes; once ``batch_size`` events are encoded (rounded up to whole groups) it
    builds their rows (see ``_capture``), and a writer thread compresses and inserts each
    such batch in one transaction (the default, 32,768 events, is two rows of bars: the
    CLI's recorded peak over 1 M bars measured 140-143 MB with it, 152-153 MB with 65,536,
    and no speed difference showed through the machine's noise). When nothing was sealed
    for ``flush_interval`` seconds (a slow publisher), the writer seals what is pending
    itself. :meth:`flush` and
    :meth:`close` store the rest in the calling thread, so nothing published before them
    is lost, also when a ``with recorder:`` block ends by Ctrl-C. A recorder still open at
    interpreter exit is closed then.

    Whatever is published, recording goes on: an object the store cannot hold (not an
    event, a timestamp outside int64, a field the codec cannot encode, an event over
    1 MiB encoded) is rejected on its own, counted (:attr:`rejected`, stored with the
    run) and kept in :attr:`dead_letters` (the first :attr:`MAX_DEAD_LETTERS`); every
    other event is stored. A store that fails to write is retried every
    ``flush_interval``; :attr:`writer_error` says why it last failed.

    While attached, the interpreter's GIL switch interval is at most ``switch_interval``
    (None leaves it alone): the writer releases the GIL to compress and insert, and at the
    default 5 ms it waits so long to get it back from a busy publisher that it falls
    behind. While :attr:`CATCH_UP_BATCHES` or more batches wait, it stores them
    uncompressed until it has caught up, which keeps memory bounded.
    """

    DEFAULT_FLUSH_INTERVAL: ClassVar[float] = 0.25
    DEFAULT_SWITCH_INTERVAL: ClassVar[float] = 0.001
    CATCH_UP_BATCHES: ClassVar[int] = 2
    """The writer thread stores batches uncompressed while this many wait."""
    MAX_DEAD_LETTERS: ClassVar[int] = 1000
    """Rejected objects kept for inspection; later ones are only counted."""
    LOGGED_REJECTIONS: ClassVar[int] = 10
    """Rejections logged as warnings; later ones are only counted."""

    def __init__(
        self,
        store: EventStore,
        *,
        strategy: str = "",
        parameters: Mapping[str, Any] | None = None,
        data_sources: Sequence[str] = (),
        mode: str = RunMode.BACKTEST,
        batch_size: int = 32_768,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        priority: int = RECORDER_PRIORITY,
        switch_interval: float | None = DEFAULT_SWITCH_INTERVAL,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"Recorder batch_size: must be at least 1, got {batch_size}")
        if not flush_interval > 0:
            raise ValueError(f"Recorder flush_interval: must be positive, got {flush_interval}")
        if isinstance(data_sources, str):
            data_sources = (data_sources,)
        self.store = store
        self.run_id = new_id()
        """The id of the run being recorded (known before :meth:`attach`)."""
        self._info = RunInfo(
            run_id=self.run_id,
            strategy=strategy,
            parameters=dict(parameters or {}),
            data_sources=tuple(map(redact_credentials, data_sources)),
            tickwire_version=tickwire.__version__,
            mode=mode,
        )
        self._flush_interval = flush_interval
        self._priority = priority
        self._switch_interval = switch_interval
        self._sink = row_sink(store)
        self._capture = EventCapture(batch_size, self._enqueue, self._reject)
        self._on_event = self._capture.capture
        self._batches: deque[tuple[list[Row], int]] = deque()
        self._store_lock = threading.Lock()
        self._sealed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._bus: SubscribeAll | None = None
        self._next_seq = 0
        self._summary: dict[str, Any] | None = None
        self._closed = False
        self._rejected = 0
        self.dead_letters: list[RejectedEvent] = []
        """The first objects that could not be stored, with where and why."""
        self.writer_error: Exception | None = None
        """Why the writer thread last failed to store a batch (it retries); None after it
        stored one again."""

    @property
    def recorded(self) -> int:
        """Events committed to the store so far."""
        return self._next_seq

    @property
    def rejected(self) -> int:
        """Objects published on the bus that could not be stored."""
        return self._rejected

    @property
    def pending(self) -> int:
        """Events received but not yet stored."""
        return self._capture.pending + sum(count for _, count in list(self._batches))

    def attach(self, bus: SubscribeAll) -> Self:
        """Create the run in the store, subscribe to every event and start the writer."""
        if self._bus is not None or self._closed:
            raise RuntimeError(f"Recorder for run {self.run_id} can be attached only once")
        self._info = replace(self._info, started_ns=now_ns(), owner=this_process())
        self.store.create_run(self._info)
        self._bus = bus
        bus.subscribe_all(self._on_event, priority=self._priority)
        set_chunk_tap(bus, self._capture)  # bars of a chunked source come as columns
        if self._switch_interval is not None:
            hold_switch_interval(self._switch_interval)
        self._thread = threading.Thread(
            target=self._write_periodically,
            name=f"tickwire-recorder-{self.run_id[:8]}",
            daemon=True,
        )
        self._thread.start()
        atexit.register(self.close)
        return self

    def set_summary(self, summary: Mapping[str, Any]) -> None:
        """Summary statistics (JSON-serializable) to store when the run ends."""
        self._summary = dict(summary)

    def flush(self) -> None:
        """Store every event received so far, in the calling thread; returns when committed."""
        self._capture.seal()
        self._store_batches()

    def close(
        self, summary: Mapping[str, Any] | None = None, *, status: str = RunStatus.FINISHED
    ) -> None:
        """Stop recording, store what is left and record the run's end. Idempotent."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        if summary is not None:
            self.set_summary(summary)
        if self._bus is None:
            return
        self._bus.unsubscribe_all(self._on_event)
        remove_chunk_tap(self._bus, self._capture)
        self._stop.set()
        self._sealed.set()
        if self._thread is not None:
            self._thread.join()
        if self._switch_interval is not None:
            release_switch_interval()
        try:
            self.flush()
        except BaseException:
            self._finish_after_failure()
            raise
        self._finish(status)

    def _finish(self, status: str) -> None:
        self.store.finish_run(
            self.run_id,
            ended_ns=now_ns(),
            status=status,
            event_count=self._next_seq,
            rejected=self._rejected,
            summary=self._summary,
        )

    def _finish_after_failure(self) -> None:
        """Mark the run failed with what was stored, if the store still lets us; the error
        that got us here is the one to report."""
        try:
            self._finish(RunStatus.FAILED)
        except Exception as exc:
            logger.error("recorder of run %s could not mark it failed: %r", self.run_id, exc)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.INTERRUPTED
        else:
            status = RunStatus.FAILED
        self.close(status=status)

    def _reject(self, item: object, problem: str, before_seq: int) -> None:
        self._rejected += 1
        if len(self.dead_letters) < self.MAX_DEAD_LETTERS:
            self.dead_letters.append(RejectedEvent(before_seq, item, problem))
        if self._rejected <= self.LOGGED_REJECTIONS:
            more = " (further ones are counted, not logged)"
            logger.warning(
                "recorder of run %s rejected what was published before event %d: %s%s",
                self.run_id,
                before_seq,
                problem,
                more if self._rejected == self.LOGGED_REJECTIONS else "",
            )

    def _enqueue(self, rows: list[Row], count: int) -> None:
        self._batches.append((rows, count))
        self._sealed.set()

    def _store_batches(self, catch_up: bool = False) -> None:
        with self._store_lock:
            batches = self._batches
            while batches:
                rows, count = batches[0]
                # Compression costs the writer about 0.2 us per event: while it lags by
                # CATCH_UP_BATCHES or more batches, it stores them as they are.
                compress = not catch_up or len(batches) < self.CATCH_UP_BATCHES
                self._sink.write_rows(self.run_id, rows, compress=compress)
                # Only this method removes batches, and they are appended at the end: the
                # first is the one just stored. A failed write leaves it for the next try.
                batches.popleft()
                self._next_seq += count
                self._capture.recycle(rows)  # their payload buffers, for later batches

    def _write_periodically(self) -> None:
        while True:
            sealed = self._sealed.wait(self._flush_interval)
            self._sealed.clear()  # a batch sealed from here on is stored below or next time
            if self._stop.is_set():
                return
            try:
                if not sealed:
                    # Nothing was sealed for a whole interval: a slow publisher; pack here.
                    self._capture.seal()
                self._store_batches(catch_up=True)
            except Exception as exc:
                # Events stay queued: tried again after the next interval, and by close().
                if self.writer_error is None:
                    logger.error(
                        "recorder of run %s cannot write, retrying every %g s: %r",
                        self.run_id,
                        self._flush_interval,
                        exc,
                    )
                self.writer_error = exc
            else:
                if self.writer_error is not None:
                    logger.warning("recorder of run %s writes again", self.run_id)
                self.writer_error = None
