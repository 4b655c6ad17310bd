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
from tickwire.persistence._capture import EventCapture
from tickwire.persistence._rows import Row
from tickwire.persistence._switch import hold_switch_interval, release_switch_interval
from tickwire.persistence._types import RunInfo, RunStatus
from tickwire.persistence.store import EventStore

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
    such batch in one transaction. When nothing was sealed for ``flush_interval`` seconds
    (a slow publisher), the writer seals what is pending itself. :meth:`flush` and
    :meth:`close` store the rest in the calling thread, so nothing published before them
    is lost, also when a ``with recorder:`` block ends by Ctrl-C. A recorder still open at
    interpreter exit is closed then.

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

    def __init__(
        self,
        store: EventStore,
        *,
        strategy: str = "",
        parameters: Mapping[str, Any] | None = None,
        data_sources: Sequence[str] = (),
        batch_size: int = 65_536,
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
            data_sources=tuple(data_sources),
            tickwire_version=tickwire.__version__,
        )
        self._flush_interval = flush_interval
        self._priority = priority
        self._switch_interval = switch_interval
        self._capture = EventCapture(batch_size, self._enqueue)
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
        self.writer_error: Exception | None = None
        """What stopped the writer thread, if it failed (flush/close then retry and raise)."""

    @property
    def recorded(self) -> int:
        """Events committed to the store so far."""
        return self._next_seq

    @property
    def pending(self) -> int:
        """Events received but not yet stored."""
        return self._capture.pending + sum(count for _, count in list(self._batches))

    def attach(self, bus: SubscribeAll) -> Self:
        """Create the run in the store, subscribe to every event and start the writer."""
        if self._bus is not None or self._closed:
            raise RuntimeError(f"Recorder for run {self.run_id} can be attached only once")
        self._info = replace(self._info, started_ns=now_ns())
        self.store.create_run(self._info)
        self._bus = bus
        bus.subscribe_all(self._on_event, priority=self._priority)
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
        self._stop.set()
        self._sealed.set()
        if self._thread is not None:
            self._thread.join()
        if self._switch_interval is not None:
            release_switch_interval()
        self.flush()
        self.store.finish_run(
            self.run_id,
            ended_ns=now_ns(),
            status=status,
            event_count=self._next_seq,
            summary=self._summary,
        )

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
                self.store.append_rows(self.run_id, rows, compress=compress)
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
                # Events stay queued; flush() and close() retry and raise if it still fails.
                self.writer_error = exc
                logger.error("recorder of run %s stopped writing: %r", self.run_id, exc)
                return
