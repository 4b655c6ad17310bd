"""``tickwire sweep``: a parameter grid (or walk-forward validation) from the command line."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tickwire.cli.loading import UsageError
from tickwire.cli.runs import open_for_writing
from tickwire.strategy.loading import load_strategy
from tickwire.sweep import (
    METRICS,
    PointResult,
    Sweep,
    SweepResult,
    WalkForwardResult,
    parse_grid_option,
    parse_walk_forward,
    record_sweep,
    walk_forward,
)
from tickwire.sweep import Progress as SweepProgress

__all__ = ["sweep"]

_err = Console(stderr=True)


@click.command()
@click.argument("strategy")
@click.option(
    "--data", "data", multiple=True, required=True, help="CSV or Parquet bars (repeatable)."
)
@click.option(
    "--grid",
    "grid",
    multiple=True,
    required=True,
    help="NAME=V1,V2,... or NAME=START:STOP:STEP (STOP included); repeatable.",
)
@click.option(
    "--random",
    "sample",
    type=int,
    default=None,
    help="Run N points drawn at random from the grid instead of all.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --random.")
@click.option(
    "--metric",
    type=click.Choice(list(METRICS)),
    default="sharpe",
    show_default=True,
    help="What ranks the points (the best is chosen by it).",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes (default: one per core; 1 runs in this process).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: a process pool here; dask: a Dask cluster.",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://HOST:PORT); default: start a local cluster.",
)
@click.option("--cash", default=100_000.0, show_default=True, help="Starting cash of each point.")
@click.option(
    "--walk-forward",
    "walk",
    default=None,
    help="TRAIN:TEST, e.g. 2y:6m: choose on each training window, trade the next.",
)
@click.option("--top", type=int, default=10, show_default=True, help="Points shown in the table.")
@click.option("--json", "as_json", is_flag=True, help="Print every point as JSON.")
@click.option("--skip-bad-rows", is_flag=True, help="Skip (and report) bad data rows.")
@click.option("--report", "report_dir", default=None, help="Write the HTML sweep report here.")
@click.option(
    "--db",
    default=None,
    help="Store each point's summary here, under one sweep id (URL or SQLite path;"
    " 'default': the user's store).",
)
@click.option(
    "--heat-map",
    "heat_map",
    default=None,
    metavar="X,Y",
    help="The two parameters of the report's heat map  [default: the first two that vary]",
)
def sweep(
    strategy: str,
    data: tuple[str, ...],
    grid: tuple[str, ...],
    sample: int | None,
    seed: int,
    metric: str,
    workers: int | None,
    engine: str,
    scheduler: str | None,
    cash: float,
    walk: str | None,
    top: int,
    as_json: bool,
    skip_bad_rows: bool,
    report_dir: str | None,
    heat_map: str | None,
    db: str | None,
) -> None:
    """Backtest a strategy over a parameter grid, or walk forward.

    Every point of the grid is a backtest of STRATEGY on --data, run on local processes
    or on a Dask cluster.
    """
    parsed = dict(parse_grid_option(option) for option in grid)
    axes = _axes(heat_map, parsed)
    the_sweep = Sweep(
        load_strategy(strategy),
        list(data),
        parsed,
        cash=cash,
        random=sample,
        seed=seed,
        metric=metric,
        engine=engine,
        workers=workers,
        scheduler=scheduler,
        skip_bad_rows=skip_bad_rows,
    )
    show = not as_json and _err.is_terminal
    with Progress(
        TextColumn("[bold]sweep"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} points"),
        TextColumn("{task.fields[rate]}"),
        TextColumn("{task.fields[best]}"),
        TimeElapsedColumn(),
        console=_err,
        disable=not show,
        transient=True,
    ) as progress:
        task = progress.add_task("points", total=len(the_sweep.points), rate="", best="")

        def advance(state: SweepProgress) -> None:
            best = state.best.summary.get(metric) if state.best is not None else None
            progress.update(
                task,
                completed=state.done,
                total=state.total,
                rate=f"{state.points_per_second:,.1f}/s",
                best="" if best is None else f"best {metric} {_number(best)}",
            )

        if walk is not None:
            train, test = parse_walk_forward(walk)
            wf = walk_forward(the_sweep, train, test, progress=advance)
            interrupted = wf.interrupted
            _record(wf, db, strategy, data, as_json)
            _print_walk_forward(wf, as_json)
            _report(wf, report_dir, axes, strategy, as_json)
        else:
            result = the_sweep.run(progress=advance)
            interrupted = result.interrupted
            sweep_id = _record(result, db, strategy, data, as_json)
            _print_sweep(result, as_json, top, sweep_id)
            _report(result, report_dir, axes, strategy, as_json)
            if result.points and not any(p.ok for p in result.points):
                sys.exit(1)
    if interrupted:
        _err.print("interrupted: the points above are those that finished")
        sys.exit(130)


def _axes(heat_map: str | None, grid: dict[str, Any]) -> tuple[str, str] | None:
    if heat_map is None:
        return None
    names = [name.strip() for name in heat_map.split(",")]
    if len(names) != 2 or not all(names):
        raise UsageError(f"--heat-map {heat_map!r}: give two parameters, X,Y")
    unknown = [name for name in names if name not in grid]
    if unknown:
        raise UsageError(f"--heat-map: {', '.join(unknown)} not in --grid ({', '.join(grid)})")
    return names[0], names[1]


def _record(
    result: SweepResult | WalkForwardResult,
    db: str | None,
    strategy: str,
    data: tuple[str, ...],
    as_json: bool,
) -> str | None:
    """Store the points under a new sweep id (``--db``); returns the id."""
    if db is None:
        return None
    store, location = open_for_writing(db)
    with store:
        name = strategy.rsplit(":", 1)[-1]
        sweep_id = record_sweep(result, store, strategy=name, data_sources=data)
    if not as_json:
        _err.print(f"recorded as sweep {sweep_id} in {location} (tickwire runs list --sweep ...)")
    return sweep_id


def _report(
    result: SweepResult | WalkForwardResult,
    report_dir: str | None,
    axes: tuple[str, str] | None,
    strategy: str,
    as_json: bool,
) -> None:
    if report_dir is None:
        return
    from tickwire.report import write_sweep_report

    path = write_sweep_report(result, report_dir, title=f"{strategy} sweep", axes=axes)
    if not as_json:
        click.echo(f"report: {path.resolve()}")


def _number(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:,.4g}"
    return str(value)


def _records(result: SweepResult) -> list[dict[str, Any]]:
    return result.records()


def _print_sweep(result: SweepResult, as_json: bool, top: int, sweep_id: str | None = None) -> None:
    deflated = result.deflated_sharpe()
    best = result.best
    if as_json:
        click.echo(
            json.dumps(
                {
                    "metric": result.metric,
                    "points": _records(result),
                    "best": None if best is None else best.index,
                    "deflated_sharpe": None if deflated is None else deflated.probability,
                    "interrupted": result.interrupted,
                    "wall_time_s": result.wall_time_s,
                    "sweep_id": sweep_id,
                },
                default=str,
            )
        )
        return
    console = Console()
    ranked = result.ranked()[:top]
    if ranked:
        console.print(_table(f"best {len(ranked)} of {len(result)} points by {result.metric}",
                             ranked))  # fmt: skip
    for point in result.failed[:5]:
        console.print(f"[red]failed[/] {escape(str(point.params))}: {escape(point.error or '')}")
    if len(result.failed) > 5:
        console.print(f"... and {len(result.failed) - 5} more failed points")
    if deflated is not None and math.isfinite(deflated.probability):
        console.print(
            f"deflated Sharpe ratio of the best point: {deflated.probability:.3f} "
            f"(the probability that its Sharpe ratio is not the luck of {deflated.trials} tries)"
        )
    rate = len(result) / result.wall_time_s if result.wall_time_s > 0 else 0.0
    console.print(f"{len(result)} points in {result.wall_time_s:,.1f} s ({rate:,.1f} points/s)")


def _table(title: str, points: list[PointResult]) -> Table:
    names = list(points[0].params)
    table = Table(title=title)
    for name in names:
        table.add_column(escape(name), justify="right")
    for column in ("sharpe", "total return", "max drawdown", "trades"):
        table.add_column(column, justify="right")
    for point in points:
        s = point.summary
        table.add_row(
            *(escape(str(point.params[name])) for name in names),
            _number(s.get("sharpe")),
            _percent(s.get("total_return")),
            _percent(s.get("max_drawdown")),
            _number(s.get("trades")),
        )
    return table


def _percent(value: Any) -> str:
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "-"
    return f"{value:.2%}"


def _print_walk_forward(result: WalkForwardResult, as_json: bool) -> None:
    windows = [
        {
            "train": [w.train.start_ns, w.train.end_ns],
            "test": [w.test.start_ns, w.test.end_ns],
            "params": w.params,
            "in_sample": None if w.chosen is None else w.chosen.summary,
            "out_of_sample": None if w.out_of_sample is None else w.out_of_sample.summary,
        }
        for w in result.windows
    ]
    stats = result.statistics
    if as_json:
        click.echo(
            json.dumps(
                {
                    "metric": result.metric,
                    "windows": windows,
                    "in_sample_metric": result.in_sample_metric(),
                    "out_of_sample_metric": result.out_of_sample_metric(),
                    "out_of_sample": stats.to_dict(),
                    "interrupted": result.interrupted,
                },
                default=str,
            )
        )
        return
    table = Table(title=f"walk-forward by {result.metric}")
    for column in ("test window (UTC)", "chosen", "in-sample", "out-of-sample"):
        table.add_column(column)
    for window in result.windows:
        oos = window.out_of_sample
        table.add_row(
            f"{_day(window.test.start_ns)} - {_day(window.test.end_ns)}",
            escape(str(window.params)),
            _number(None if window.chosen is None else window.chosen.summary.get(result.metric)),
            _number(None if oos is None else oos.summary.get(result.metric)),
        )
    console = Console()
    console.print(table)
    console.print(
        f"out of sample, stitched: total return {_percent(stats.total_return)}, "
        f"sharpe {_number(stats.sharpe)}, max drawdown {_percent(stats.max_drawdown)}; "
        f"mean {result.metric} in sample {_number(result.in_sample_metric())}, "
        f"out of sample {_number(result.out_of_sample_metric())}"
    )


def _day(ns: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%d")
