"""What a sweep returns: every point's parameters and statistics, the best by a metric,
and the deflated Sharpe ratio of that best."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tickwire._exceptions import ConfigError
from tickwire.sweep._deflated import DeflatedSharpe, deflated_sharpe
from tickwire.sweep._task import PointResult

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

__all__ = ["METRICS", "SweepResult", "check_metric", "metric_key"]

METRICS: dict[str, bool] = {
    "sharpe": True,
    "total_return": True,
    "final_equity": True,
    "win_rate": True,
    "max_drawdown": True,  # a drawdown is <= 0: the shallowest is the highest
    "trades": True,
}
"""Metrics a sweep can rank by (summary field names), and whether higher is better."""


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ConfigError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return metric


def metric_key(metric: str) -> Any:
    """A sort key putting the best point first and points without the metric last."""
    higher = METRICS[metric]

    def key(point: PointResult) -> tuple[int, float]:
        value = point.summary.get(metric) if point.ok else None
        if not isinstance(value, (int, float)) or math.isnan(value):
            return (1, 0.0)
        return (0, -value if higher else value)

    return key


@dataclass
class SweepResult:
    """Every point of a sweep, in grid order, and which was best by ``metric``."""

    points: list[PointResult]
    metric: str
    interrupted: bool = False
    """True when the sweep was stopped (Ctrl-C) before every point ran."""
    wall_time_s: float = 0.0

    def __iter__(self) -> Iterator[PointResult]:
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    @property
    def failed(self) -> list[PointResult]:
        """Points that did not run to the end (their ``error`` says why)."""
        return [p for p in self.points if not p.ok]

    def ranked(self) -> list[PointResult]:
        """Points that ran, best first by the metric."""
        return sorted((p for p in self.points if p.ok), key=metric_key(self.metric))

    @property
    def best(self) -> PointResult | None:
        ranked = self.ranked()
        return ranked[0] if ranked else None

    def deflated_sharpe(self) -> DeflatedSharpe | None:
        """The deflated Sharpe ratio of the best point, given every point tried."""
        best = self.best
        if best is None or best.moments is None:
            return None
        trials = [p.moments.sharpe for p in self.points if p.ok and p.moments is not None]
        moments = best.moments
        return deflated_sharpe(
            moments.sharpe,
            trial_sharpes=trials,
            returns=moments.count,
            skewness=moments.skewness,
            kurtosis=moments.kurtosis,
        )

    def records(self) -> list[dict[str, Any]]:
        """One flat dict per point: ``params``, the summary fields, ``error``."""
        return [point_record(p) for p in self.points]

    def to_frame(self) -> pd.DataFrame:
        """One row per point: a column per parameter, then the summary fields and error."""
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        rows = []
        for point in self.points:
            row: dict[str, Any] = dict(point.params)
            row.update(point.summary)
            row["error"] = point.error
            rows.append(row)
        return pd.DataFrame(rows)


def point_record(point: PointResult) -> dict[str, Any]:
    """A point as the JSON output shows it."""
    record: dict[str, Any] = {"index": point.index, "params": dict(point.params)}
    record.update(point.summary)
    record["error"] = point.error
    return record


def grid_order(points: Sequence[PointResult]) -> list[PointResult]:
    return sorted(points, key=lambda p: p.index)
