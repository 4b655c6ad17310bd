"""``Sweep``: a grid of parameters, each point a normal backtest, run on an engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tickwire._exceptions import ConfigError
from tickwire.strategy import Strategy
from tickwire.strategy.loading import load_strategy, strategy_reference
from tickwire.sweep._data import DataSpec, Window
from tickwire.sweep._engines import Engine, check_engine, make_engine
from tickwire.sweep._grid import Point, expand_grid, typed_grid
from tickwire.sweep._result import SweepResult, check_metric, grid_order, metric_key
from tickwire.sweep._task import PointResult, PointTask, decode_result, encode_task

__all__ = ["Progress", "Sweep"]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a sweep is, passed to the ``progress`` callback after every point."""

    done: int
    total: int
    points_per_second: float
    best: PointResult | None
    """The best point so far by the sweep's metric."""
    latest: PointResult


class Sweep:
    """Backtests of ``strategy`` on ``data`` for every point of ``grid``.

    ``Sweep(EmaCross, "bars.csv", grid={"fast": [5, 10], "slow": [20, 50]}).run()``

    ``strategy`` is a Strategy class defined at the top level of a module (workers load it
    by name) or such a name (``"file.py:Class"``). ``data`` is CSV/Parquet path(s) or
    ``synthetic_bars(...)``: workers read it once each and keep it. ``random=N`` runs N
    points drawn from the grid with ``seed``. ``engine`` is ``"local"`` (a process per core,
    or this process with ``workers=1``) or ``"dask"`` (``scheduler="tcp://..."`` joins a
    cluster; without it a local one is started). A point that fails is reported with its
    error; it does not stop the sweep.
    """

    def __init__(
        self,
        strategy: type[Strategy] | str,
        data: Any,
        grid: Mapping[str, Sequence[Any]],
        *,
        cash: float = 100_000.0,
        random: int | None = None,
        seed: int = 0,
        metric: str = "sharpe",
        engine: str = "local",
        workers: int | None = None,
        scheduler: str | None = None,
        keep_fills: bool = False,
        instrument: str | None = None,
        skip_bad_rows: bool = False,
    ) -> None:
        if isinstance(strategy, str):
            self.strategy_name = strategy
            self.strategy = load_strategy(strategy)
        else:
            self.strategy = strategy
            self.strategy_name = strategy_reference(strategy)
        if not grid:
            raise ConfigError("a sweep needs at least one parameter in its grid")
        self.grid = typed_grid(self.strategy, grid)
        self.points: list[Point] = expand_grid(self.grid, sample=random, seed=seed)
        self.data = DataSpec.of(data, instrument=instrument, skip_bad_rows=skip_bad_rows)
        self.cash = float(cash)
        if not self.cash > 0:
            raise ConfigError(f"cash must be above 0, got {cash!r}")
        self.metric = check_metric(metric)
        self.engine = engine
        self.workers = workers
        self.scheduler = scheduler
        self.keep_fills = keep_fills
        check_engine(engine, workers=workers, scheduler=scheduler)

    def tasks(
        self, points: Sequence[Point] | None = None, window: Window | None = None,
        *, keep_equity: bool = False,
    ) -> Iterator[bytes]:  # fmt: skip
        """The encoded task of each point (all of the sweep's by default)."""
        for index, params in enumerate(self.points if points is None else points):
            yield encode_task(
                PointTask(
                    index=index,
                    strategy=self.strategy_name,
                    params=params,
                    data=self.data,
                    cash=self.cash,
                    window=window,
                    keep_fills=self.keep_fills,
                    keep_equity=keep_equity,
                )
            )

    def open_engine(self) -> Engine:
        """A new engine of the sweep's kind (its workers keep the data between runs)."""
        return make_engine(self.engine, workers=self.workers, scheduler=self.scheduler)

    def run(self, progress: Callable[[Progress], None] | None = None) -> SweepResult:
        """Run every point; Ctrl-C stops the sweep and returns what finished."""
        return self.run_points(self.points, progress=progress)

    def run_points(
        self,
        points: Sequence[Point],
        *,
        window: Window | None = None,
        keep_equity: bool = False,
        progress: Callable[[Progress], None] | None = None,
        engine: Engine | None = None,
    ) -> SweepResult:
        """Run ``points`` (on ``window`` of the data only, if given), on ``engine`` or on
        a new one of the sweep's kind (closed afterwards)."""
        started = time.perf_counter()
        owned = engine is None
        if engine is None:
            engine = self.open_engine()
        results: list[PointResult] = []
        best: PointResult | None = None
        rank = metric_key(self.metric)
        interrupted = False
        try:
            for raw in engine.run(self.tasks(points, window, keep_equity=keep_equity)):
                point = decode_result(raw)
                results.append(point)
                if point.ok and (best is None or rank(point) < rank(best)):
                    best = point
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    rate = len(results) / elapsed if elapsed > 0 else 0.0
                    progress(Progress(len(results), len(points), rate, best, point))
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if owned:
                engine.close()
        return SweepResult(
            grid_order(results),
            self.metric,
            interrupted=interrupted,
            wall_time_s=time.perf_counter() - started,
        )
