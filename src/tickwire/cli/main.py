"""``tickwire``: run backtests, the demo, and inspect recorded runs.

Mistakes a user can make (every :class:`~tickwire.TickwireError`: a bad strategy path or
parameter, bad data, an unusable store) and missing files print one line and exit 2;
``--debug`` shows the traceback instead. A run whose strategy raised exits 1 after its
summary, which counts the errors and shows the first traceback (the run is recorded as
``failed``, or ``finished with errors`` with ``--on-error continue``). Ctrl-C exits 130
and SIGTERM 143, both after the run is stored and marked ``interrupted``. Text that comes
from data or the user is never read as rich markup, and passwords in URLs are never
printed.
"""

from __future__ import annotations

import json
import logging
import math
import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from tickwire import __version__
from tickwire._exceptions import TickwireError
from tickwire.backtest import Backtest, BacktestResult, ErrorPolicy
from tickwire.cli.cluster import cluster, node
from tickwire.cli.exchange import exchange
from tickwire.cli.live import live
from tickwire.cli.loading import UsageError, parse_params
from tickwire.cli.options import broker_options, cost_options, on_error_option
from tickwire.cli.runs import record_run, recorded_market_data, runs
from tickwire.cli.signals import Terminated, sigterm_as_interrupt
from tickwire.cli.sweep import sweep
from tickwire.data import read_bars, sample_data_paths
from tickwire.events import Bar
from tickwire.persistence import RunStatus, redact_credentials, write_fills
from tickwire.strategy import parameter_values
from tickwire.strategy.loading import build_strategy, load_strategy

__all__ = ["cli", "main"]

_USER_ERRORS = (TickwireError, FileNotFoundError)
"""Problems the user can act on: one line, exit 2. Anything else is a bug: traceback, exit 1."""
EXIT_OK = 0
EXIT_RUN_FAILED = 1
"""The strategy raised (the run is ``failed`` or ``finished with errors``); also a bug."""
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM
_PROGRESS_EVERY = 10_000
_EXIT_CODES_HELP = """
\b
Exit codes:
  0    the command did what was asked
  1    the run failed: the strategy raised (the summary shows the traceback)
  2    a usage error: bad option, strategy file, parameter, data or store
  130  interrupted by Ctrl-C (the run is stored, marked interrupted)
  143  terminated by SIGTERM (the same)
"""

err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EXIT_CODES_HELP)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(__version__, prog_name="tickwire")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """tickwire: event-driven backtests that run live unchanged."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("strategy")
@click.option("--data", "data", multiple=True, help="CSV or Parquet bars (repeatable).")
@click.option(
    "--replay",
    default=None,
    metavar="RUN",
    help="Instead of --data: the bars and ticks of recorded run RUN (an id prefix; a paper "
    "or live session) in the --db store.",
)
@click.option("--param", "params", multiple=True, help="Strategy parameter NAME=VALUE.")
@click.option(
    "--cash",
    default=100_000.0,
    show_default=True,
    callback=lambda c, p, v: _cash(v),
    help="Starting cash.",
)
@cost_options
@click.option("--db", default=None, help="Store URL or SQLite path (default: the user store).")
@click.option("--no-record", is_flag=True, help="Do not record the run.")
@click.option("--report", "report_dir", default=None, help="Write an HTML report here.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option(
    "--fills-out",
    default=None,
    help="Write the fills to this file (CSV, or Parquet for .parquet), as runs export does.",
)
@click.option("--skip-bad-rows", is_flag=True, help="Skip (and report) bad data rows.")
@click.option(
    "--periods-per-year",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Annualise Sharpe, Sortino and volatility by this (default: counted from the "
    "trading sessions in the data).",
)
@on_error_option("stop the run there (exit 1)")
@click.pass_context
def backtest(
    ctx: click.Context,
    strategy: str,
    data: tuple[str, ...],
    replay: str | None,
    params: tuple[str, ...],
    cash: float,
    commission: str | None,
    slippage: str | None,
    db: str | None,
    no_record: bool,
    report_dir: str | None,
    as_json: bool,
    fills_out: str | None,
    skip_bad_rows: bool,
    on_error: str,
    periods_per_year: float | None,
) -> None:
    """Backtest a strategy on bar files or a recorded session.

    STRATEGY is path/to/file.py:Class or package.module:Class.
    """
    if bool(data) == bool(replay):
        raise UsageError("give the data: either --data FILE (repeatable) or --replay RUN")
    strategy_cls = load_strategy(strategy)
    values = parameter_values(strategy_cls, parse_params(params))
    for path in data:
        if not Path(path).exists():
            raise UsageError(f"data file not found: {path}")
    store = db or "default"
    status = _run(
        build_strategy(strategy_cls, values),
        data=list(data),
        replay=replay,
        replay_db=store,
        cash=cash,
        broker=broker_options(commission, slippage),
        db=None if no_record else store,
        report_dir=report_dir,
        as_json=as_json,
        fills_out=fills_out,
        skip_bad_rows=skip_bad_rows,
        periods_per_year=periods_per_year,
        on_error=ErrorPolicy(on_error),
        debug=ctx.obj["debug"],
    )
    _exit_for(status)


@cli.command()
@click.option(
    "--report",
    "report_dir",
    default="tickwire-report",
    show_default=True,
    help="Folder for the HTML report.",
)
@click.option("--db", default=None, help="Store URL or SQLite path (default: the user store).")
@click.pass_context
def demo(ctx: click.Context, report_dir: str, db: str | None) -> None:
    """Run the reference EMA-cross strategy on the bundled sample data."""
    from tickwire.strategy.ema_cross import EmaCross

    status = _run(
        EmaCross(),
        data=[str(p) for p in sample_data_paths()[:1]],
        cash=100_000.0,
        broker={},
        db=db or "default",
        report_dir=report_dir,
        as_json=False,
        fills_out=None,
        skip_bad_rows=False,
        on_error=ErrorPolicy.STOP,
        debug=ctx.obj["debug"],
    )
    _exit_for(status)


cli.add_command(cluster)
cli.add_command(exchange)
cli.add_command(live)
cli.add_command(node)
cli.add_command(runs)
cli.add_command(sweep)


def _run(
    strategy: Any,
    *,
    data: list[str],
    replay: str | None = None,
    replay_db: str = "default",
    cash: float,
    broker: dict[str, Any],
    db: str | None,
    report_dir: str | None,
    as_json: bool,
    fills_out: str | None,
    skip_bad_rows: bool,
    on_error: ErrorPolicy,
    debug: bool,
    periods_per_year: float | None = None,
) -> str:
    """Run, record (to ``db``, unless None) and report one backtest, on ``data`` or on the
    run ``replay`` of the store ``replay_db``; returns the run's status."""
    with ExitStack() as resources:
        if replay is None:
            source: Any = read_bars(data, skip_bad_rows=skip_bad_rows)
        else:
            source = resources.enter_context(recorded_market_data(replay_db, replay))
            data = list(source.paths)
        return _run_on(
            strategy,
            source,
            data=data,
            cash=cash,
            broker=broker,
            db=db,
            report_dir=report_dir,
            as_json=as_json,
            fills_out=fills_out,
            on_error=on_error,
            debug=debug,
            periods_per_year=periods_per_year,
        )


def _run_on(
    strategy: Any,
    source: Any,
    *,
    data: list[str],
    cash: float,
    broker: dict[str, Any],
    db: str | None,
    report_dir: str | None,
    as_json: bool,
    fills_out: str | None,
    on_error: ErrorPolicy,
    debug: bool,
    periods_per_year: float | None,
) -> str:
    """Run ``strategy`` on ``source`` (a file source or a recorded run's market data)."""
    bars: Iterable[Bar] = source
    show_progress = not as_json and err.is_terminal
    with (
        sigterm_as_interrupt(),
        _failures_reported_after_the_run(not debug),
        Progress(
            TextColumn("[bold]backtest"),
            BarColumn(),
            TextColumn("{task.completed:,} bars"),
            TimeElapsedColumn(),
            console=err,
            disable=not show_progress,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("bars", total=None)
        if show_progress:
            bars = _counting(source, lambda n: progress.advance(task, n))
        engine = Backtest(
            strategy,
            bars,
            cash,
            broker=broker,
            periods_per_year=periods_per_year,
            on_error=on_error,
        )
        recorded = record_run(engine, db, data) if db else None
        result = recorded.run() if recorded else engine.run()
    report = getattr(source, "report", None)  # what a file source skipped
    if report is not None and report.bad_rows and not as_json:
        first = escape(str(report.first_bad[0]))
        err.print(f"[yellow]skipped {report.bad_rows} bad rows[/]; first: {first}")
    if fills_out:
        write_fills(result.fills, fills_out)
    html = None
    if report_dir:
        from tickwire.cli.reporting import report_input
        from tickwire.report import write_report

        run_id = recorded.run_id if recorded is not None else None
        data_input = report_input(result, source, engine=engine, run_id=run_id)
        html = write_report(data_input, Path(report_dir)).resolve()
    summary = result.summary()
    if as_json:
        if recorded is not None:
            summary.update(run_id=recorded.run_id, database=recorded.location)
        if html is not None:
            summary["report"] = str(html)
        kinds = [
            {
                "component": kind.component,
                "error_type": kind.error_type,
                "count": kind.count,
                "error": kind.first.error,
                "traceback": kind.traceback,
            }
            for kind in result.error_kinds()
        ]
        if kinds:  # a clean run's JSON has the fields of a sweep's point, and no more
            summary["error_kinds"] = kinds
        click.echo(json.dumps(summary, default=str))
        return result.status
    _print_summary(summary)
    for name, position in result.portfolio.positions().items():
        if position.quantity:
            click.echo(f"still open at the end: {name} {position.quantity:+g} (marked to market)")
    _print_errors(result, on_error)
    if recorded is not None:
        click.echo(f"recorded as run {recorded.run_id} in {recorded.location}")
    if html is not None:
        click.echo(f"report: {html}")
    return result.status


def _cash(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise click.BadParameter(f"must be a finite amount above 0, got {value}")
    return value


def _exit_for(status: str) -> None:
    """Exit 1 for a run that failed or went on past errors (0 otherwise: return)."""
    if status != RunStatus.FINISHED:
        sys.exit(EXIT_RUN_FAILED)


@contextmanager
def _failures_reported_after_the_run(quiet: bool) -> Iterator[None]:
    """Keep the bus's failure log off the terminal while a run goes (the summary reports
    each kind of failure once, with its count); ``--debug`` keeps it."""
    bus_log = logging.getLogger("tickwire.bus")
    if not quiet:
        yield
        return
    before = bus_log.propagate
    silent = logging.NullHandler()
    bus_log.addHandler(silent)
    bus_log.propagate = False
    try:
        yield
    finally:
        bus_log.removeHandler(silent)
        bus_log.propagate = before


def _print_errors(result: BacktestResult, on_error: ErrorPolicy) -> None:
    """One line per kind of error (component and exception type) with its count, then
    the first traceback and what the run did about it."""
    kinds = result.error_kinds()
    for kind in kinds:
        line = Text("error: ", style="red")
        line.append(f"{kind.count:,} x {kind.error_type} in {kind.component}: {kind.first.error}")
        err.print(line, highlight=False, soft_wrap=True)
    traced = next((kind for kind in kinds if kind.traceback), None)
    if traced is not None:
        click.echo(f"first traceback ({traced.component}):", err=True)
        click.echo(traced.traceback.rstrip("\n"), err=True)
    if result.status == RunStatus.FAILED:
        stopped = next(e for e in result.errors if e.component != "Backtest")
        when = datetime.fromtimestamp(stopped.ts_event_ns / 1e9, UTC).isoformat()
        hint = " (--on-error continue goes on past errors)" if on_error is ErrorPolicy.STOP else ""
        err.print(
            Text(
                f"run failed: stopped at the first error, at {when} (market time){hint}",
                style="red",
            ),
            highlight=False,
            soft_wrap=True,
        )
    elif result.status == RunStatus.FINISHED_WITH_ERRORS:
        err.print(Text("run finished with errors", style="red"), highlight=False)


def _counting(bars: Iterable[Bar], advance: Any) -> Iterator[Bar]:
    pending = 0
    for bar in bars:
        yield bar
        pending += 1
        if pending == _PROGRESS_EVERY:
            advance(pending)
            pending = 0
    advance(pending)


def _print_summary(summary: dict[str, Any]) -> None:
    table = Table(title=Text(f"tickwire backtest: {summary['strategy']}"), show_header=False)
    table.add_column(justify="right", style="bold")
    table.add_column()
    for key, value in summary.items():
        label, form = _SUMMARY_FORMATS.get(key, (key.replace("_", " "), "{}"))
        table.add_row(label, Text("-" if value is None else form.format(value)))
    Console().print(table)


_SUMMARY_FORMATS = {
    "total_return": ("total return", "{:.2%}"),
    "max_drawdown": ("max drawdown", "{:.2%}"),
    "win_rate": ("win rate", "{:.1%}"),
    "sharpe": ("sharpe", "{:.2f}"),
    "final_equity": ("final equity", "{:,.2f}"),
    "wall_time_s": ("wall time", "{:.3f} s"),
    "bars_per_second": ("bars per second", "{:,.0f}"),
    "bars": ("bars", "{:,}"),
    "events": ("events", "{:,}"),
}
"""Summary fields as the table shows them: a label for people (units in the value, not
both) and a format; a field not listed shows its name and value as they are."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user mistakes into one line and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="tickwire", standalone_mode=False)
    except click.exceptions.Abort as exc:  # click's form of KeyboardInterrupt
        if isinstance(exc.__cause__, Terminated):
            err.print("terminated")
            sys.exit(EXIT_TERMINATED)
        err.print("aborted")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except _USER_ERRORS as exc:
        if debug:
            raise
        message = escape(redact_credentials(str(exc)))
        err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
