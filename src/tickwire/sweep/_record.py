"""Storing a sweep: each point that ran becomes a run of the event store (its parameters
and summary, no events), all under one sweep id, so ``tickwire runs list --sweep ID``
and the report find them."""

from __future__ import annotations

import time
from collections.abc import Sequence

from tickwire import __version__
from tickwire.events import new_id
from tickwire.persistence import EventStore, RunInfo, RunStatus
from tickwire.sweep._result import SweepResult
from tickwire.sweep._task import PointResult
from tickwire.sweep._walk_forward import WalkForwardResult

__all__ = ["record_sweep"]


def record_sweep(
    result: SweepResult | WalkForwardResult,
    store: EventStore,
    *,
    strategy: str,
    data_sources: Sequence[str],
    sweep_id: str | None = None,
) -> str:
    """Store every point of ``result`` (for walk-forward: each window's out-of-sample
    run) as a finished or failed run under one sweep id; returns the id."""
    sweep = sweep_id or new_id()
    points: list[PointResult]
    if isinstance(result, WalkForwardResult):
        points = [w.out_of_sample for w in result.windows if w.out_of_sample is not None]
    else:
        points = list(result.points)
    now = time.time_ns()
    for point in points:
        run_id = new_id()
        summary = dict(point.summary)
        summary["sweep_point"] = point.index
        if point.error is not None:
            summary["error"] = point.error
        store.create_run(
            RunInfo(
                run_id=run_id,
                strategy=strategy,
                parameters=dict(point.params),
                data_sources=tuple(data_sources),
                tickwire_version=__version__,
                started_ns=now,
                sweep_id=sweep,
            )
        )
        store.finish_run(
            run_id,
            ended_ns=now,
            status=RunStatus.FINISHED if point.ok else RunStatus.FAILED,
            event_count=0,
            summary=summary,
        )
    return sweep
