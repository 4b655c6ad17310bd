"""``tickwire``: run backtests, the demo, and inspect recorded runs.

Mistakes a user can make (every :class:`~tickwire.TickwireError`: a bad strategy path or
parameter, bad data, an unusable store) and missing files print one line and exit 2;
``--debug`` shows the traceback instead. Ctrl-C exits 130 and SIGTERM 143, both after the
run is stored and marked ``interrupted``. Text that comes from data or the user is never
read as rich markup, and passwords in URLs are never printed.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterable, Iterator
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
from tickwire.backtest import Backtest
from tickwire.cli.loading import UsageError, parse_params
from tickwire.cli.options import broker_options
from tickwire.cli.runs import record_run, runs
from tickwire.cli.signals import Terminated, sigterm_as_interrupt
from tickwire.cli.sweep import sweep
from tickwire.data import read_bars, sample_data_paths
from tickwire.events import Bar
from tickwire.persistence import redact_credentials, write_fills
from tickwire.strategy import parameter_values
from tickwire.strategy.loading import load_strategy

__all__ = ["cli", "main"]

_USER_ERRORS = (TickwireError, FileNotFoundError)
"""Problems the user can act on: one line, exit 2. Anything else is a bug: traceback, exit 1."""
_PROGRESS_EVERY = 10_000

err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(__version__, prog_name="tickwire")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """tickwire: event-driven backtests that run live unchanged."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("strategy")
@click.option(
    "--data", "data", multiple=True, required=True, help="CSV or Parquet bars (repeatable)."
)
@click.option("--param", "params", multiple=True, help="Strategy parameter NAME=VALUE.")
@click.option("--cash", default=100_000.0, show_default=True, help="Starting cash.")
@click.option(
    "--commission", default=None, help="per_unit:0.01 | percent:0.1 | fixed:1.0 (per order)."
)
@click.option("--slippage", default=None, help="bps:5 | ticks:2:0.01 (N ticks of size S).")
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
def backtest(
    strategy: str,
    data: tuple[str, ...],
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
    periods_per_year: float | None,
) -> None:
    """Backtest a strategy on bar data files.

    STRATEGY is path/to/file.py:Class or package.module:Class.
    """
    strategy_cls = load_strategy(strategy)
    values = parameter_values(strategy_cls, parse_params(params))
    for path in data:
        if not Path(path).exists():
            raise UsageError(f"data file not found: {path}")
    _run(
        strategy_cls(**values),
        data=list(data),
        cash=cash,
        broker=broker_options(commission, slippage),
        db=None if no_record else (db or "default"),
        report_dir=report_dir,
        as_json=as_json,
        fills_out=fills_out,
        skip_bad_rows=skip_bad_rows,
        periods_per_year=periods_per_year,
    )


@cli.command()
@click.option(
    "--report",
    "report_dir",
    default="tickwire-report",
    show_default=True,
    help="Folder for the HTML report.",
)
@click.option("--db", default=None, help="Store URL or SQLite path (default: the user store).")
def demo(report_dir: str, db: str | None) -> None:
    """Run the reference EMA-cross strategy on the bundled sample data."""
    from tickwire.strategy.ema_cross import EmaCross

    _run(
        EmaCross(),
        data=[str(p) for p in sample_data_paths()[:1]],
        cash=100_000.0,
        broker={},
        db=db or "default",
        report_dir=report_dir,
        as_json=False,
        fills_out=None,
        skip_bad_rows=False,
    )


cli.add_command(runs)
cli.add_command(sweep)


def _run(
    strategy: Any,
    *,
    data: list[str],
    cash: float,
    broker: dict[str, Any],
    db: str | None,
    report_dir: str | None,
    as_json: bool,
    fills_out: str | None,
    skip_bad_rows: bool,
    periods_per_year: float | None = None,
) -> None:
    source = read_bars(data, skip_bad_rows=skip_bad_rows)
    bars: Iterable[Bar] = source
    show_progress = not as_json and err.is_terminal
    with (
        sigterm_as_interrupt(),
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
        engine = Backtest(strategy, bars, cash, broker=broker, periods_per_year=periods_per_year)
        recorded = record_run(engine, db, data) if db else None
        result = recorded.run() if recorded else engine.run()
    report = source.report
    if report.bad_rows and not as_json:
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
        click.echo(json.dumps(summary, default=str))
        return
    _print_summary(summary)
    for name, position in result.portfolio.positions().items():
        if position.quantity:
            click.echo(f"still open at the end: {name} {position.quantity:+g} (marked to market)")
    if recorded is not None:
        click.echo(f"recorded as run {recorded.run_id} in {recorded.location}")
    if html is not None:
        click.echo(f"report: {html}")


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
            sys.exit(128 + signal.SIGTERM)
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except _USER_ERRORS as exc:
        if debug:
            raise
        message = escape(redact_credentials(str(exc)))
        err.print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
        sys.exit(2)
