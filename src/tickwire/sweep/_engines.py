"""Where grid points run: in this process, on a pool of local processes, or on a Dask
cluster. Each engine takes encoded tasks and yields encoded results as they finish.

Only bytes cross to the workers and back (see ``_task``): the function they run is sent
by name, its argument and result are msgpack. At most a few tasks per worker are in
flight, so a sweep of a million points never holds a million futures.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol

from tickwire._exceptions import ConfigError
from tickwire.sweep._task import run_encoded

__all__ = ["DaskEngine", "Engine", "InlineEngine", "ProcessEngine", "check_engine", "make_engine"]

_IN_FLIGHT_PER_WORKER = 2


class Engine(Protocol):
    """Runs encoded tasks somewhere; yields each encoded result once it is done."""

    workers: int

    def run(self, tasks: Iterable[bytes]) -> Iterator[bytes]:
        """Results in completion order; stopping the iteration stops submitting."""

    def close(self) -> None:
        """Release the workers (pending tasks are cancelled)."""


class InlineEngine:
    """Runs every task in this process, one after another (``workers=1``)."""

    workers = 1

    def run(self, tasks: Iterable[bytes]) -> Iterator[bytes]:
        for task in tasks:
            yield run_encoded(task)

    def close(self) -> None:
        """Nothing to release."""


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the sweep, workers must
    # not die mid-point with a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessEngine:
    """A pool of ``workers`` local processes (default: one per core)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        # forkserver: workers start clean (no threads or open stores inherited) yet cheaply.
        method = (
            "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        )
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_ignore_interrupts,
        )

    def run(self, tasks: Iterable[bytes]) -> Iterator[bytes]:
        yield from _bounded(tasks, self._pool.submit, self.workers * _IN_FLIGHT_PER_WORKER)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _bounded(tasks: Iterable[bytes], submit: Any, limit: int) -> Iterator[bytes]:
    pending: set[Future[bytes]] = set()
    queue = iter(tasks)
    try:
        for task in queue:
            pending.add(submit(run_encoded, task))
            if len(pending) < limit:
                continue
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


class DaskEngine:
    """Dask distributed: an existing cluster at ``scheduler`` (``tcp://host:port``), or a
    local cluster of ``workers`` processes when none is given.

    Each Dask worker process loads the data once and keeps it for every point it runs;
    the data's files must be readable at the same path on every worker machine.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        try:
            # Untyped: the annotations of distributed are incomplete for mypy --strict.
            distributed: Any = importlib.import_module("distributed")
        except ImportError:
            raise ConfigError(
                "the dask engine needs Dask distributed: pip install 'tickwire[dask]'"
            ) from None
        self._cluster: Any = None
        if scheduler is None:
            self._cluster = distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client: Any = distributed.Client(self._cluster)
        else:
            self._client = distributed.Client(scheduler, timeout=10)
        self.workers = max(1, len(self._client.scheduler_info()["workers"]))

    def run(self, tasks: Iterable[bytes]) -> Iterator[bytes]:
        as_completed: Any = importlib.import_module("distributed").as_completed
        limit = self.workers * _IN_FLIGHT_PER_WORKER
        running = as_completed()
        outstanding: set[Any] = set()
        try:
            for task in tasks:
                future = self._client.submit(run_encoded, task, pure=False)
                outstanding.add(future)
                running.add(future)
                if running.count() >= limit:
                    done = next(running)
                    outstanding.discard(done)
                    yield done.result()
            for done in running:
                outstanding.discard(done)
                yield done.result()
        finally:
            if outstanding:
                self._client.cancel(list(outstanding))

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def check_engine(name: str, *, workers: int | None, scheduler: str | None) -> None:
    """ConfigError unless ``name`` is an engine and the options fit it."""
    if name not in ("local", "dask"):
        raise ConfigError(f"--engine must be 'local' or 'dask', got {name!r}")
    if scheduler is not None and name != "dask":
        raise ConfigError("--scheduler needs --engine dask")
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")


def make_engine(name: str, *, workers: int | None, scheduler: str | None) -> Engine:
    """The engine called ``name`` ("local" or "dask")."""
    check_engine(name, workers=workers, scheduler=scheduler)
    if name == "dask":
        return DaskEngine(scheduler, workers)
    return InlineEngine() if workers == 1 else ProcessEngine(workers)
