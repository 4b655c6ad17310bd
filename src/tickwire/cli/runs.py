"""Recording backtests and the ``tickwire runs`` commands that inspect them."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from tickwire._exceptions import ConfigError
from tickwire.backtest import Backtest, BacktestResult
from tickwire.cli.loading import UsageError
from tickwire.events import Bar, EventBase, Fill, Tick
from tickwire.persistence import (
    EventStore,
    RecordedMarketData,
    Recorder,
    RunInfo,
    RunMode,
    RunStatus,
    StoreError,
    export_run,
    open_store,
    redact_credentials,
)
from tickwire.persistence.diff import diff_runs
from tickwire.persistence.export import EXPORT_FORMATS, EXPORT_KINDS, iso_time

__all__ = ["RecordedRun", "record_run", "recorded_market_data", "run_record", "runs"]

RUN_STATUSES = tuple(value for name, value in vars(RunStatus).items() if name.isupper())
"""Every state a run can be in, for ``runs list --status``."""
RUN_MODES = tuple(value for name, value in vars(RunMode).items() if name.isupper())
"""What can produce a run, for ``runs list --mode``."""


@dataclass
class RecordedRun:
    """A backtest wired to a recorder; ``run()`` records every event and the summary."""

    engine: Backtest
    recorder: Recorder
    location: str
    """Where the run is stored, without any password."""

    @property
    def run_id(self) -> str:
        return self.recorder.run_id

    def run(self) -> BacktestResult:
        """Run the backtest, record it, and close the store."""
        try:
            with self.recorder:
                result = self.engine.run()
                self.recorder.close(_jsonable(result.summary()), status=result.status)
        finally:
            self.recorder.store.close()
        return result


def record_run(engine: Backtest, db: str, data: list[str]) -> RecordedRun:
    """Attach a recorder on ``db`` ("default" is the user's SQLite store) to ``engine``."""
    store = _open(db)
    strategy = engine.strategy
    try:
        recorder = Recorder(
            store,
            strategy=strategy.strategy_name,
            parameters=strategy.params,
            data_sources=data,
        ).attach(engine.bus)
    except BaseException:
        store.close()
        raise
    return RecordedRun(engine, recorder, _location(store))


_DB_HELP = "Store URL or SQLite path  [default: the user's store]"


@click.group()
def runs() -> None:
    """List, show and export recorded runs."""


_SINCE = re.compile(r"^(\d+)([dhm])$")
_SINCE_UNITS = {"d": 86_400, "h": 3_600, "m": 60}


@runs.command("list")
@click.option("--db", default="default", help=_DB_HELP)
@click.option(
    "--limit", default=20, show_default=True, help="Show at most this many runs (0: all)."
)
@click.option("--strategy", default=None, help="Only runs of this strategy class.")
@click.option(
    "--status",
    type=click.Choice(RUN_STATUSES),
    default=None,
    help="Only runs in this state.",
)
@click.option(
    "--since",
    default=None,
    metavar="WHEN",
    help="Only runs started since WHEN: an ISO date or time (UTC), or 7d, 12h, 30m ago.",
)
@click.option(
    "--sweep", default=None, metavar="ID", help="Only the points of this sweep (an id prefix)."
)
@click.option(
    "--mode",
    type=click.Choice(RUN_MODES),
    default=None,
    help="Only backtests, or only paper or live sessions.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON array.")
def list_runs(
    db: str,
    limit: int,
    strategy: str | None,
    status: str | None,
    since: str | None,
    sweep: str | None,
    mode: str | None,
    as_json: bool,
) -> None:
    """List recorded runs, newest first (runs whose process died are marked crashed)."""
    if limit < 0:
        raise UsageError(f"--limit must be 0 (all) or more, got {limit}")
    since_ns = None if since is None else _since_ns(since)
    with _open(db, create=False) as store:
        store.recover_crashed_runs()  # a database store did on opening; a memory one not
        location = _location(store)
        infos = sorted(store.list_runs(), key=lambda r: r.started_ns, reverse=True)
    chosen = [
        info
        for info in infos
        if (strategy is None or info.strategy == strategy)
        and (status is None or info.status == status)
        and (since_ns is None or info.started_ns >= since_ns)
        and (sweep is None or (info.sweep_id or "").startswith(sweep))
        and (mode is None or info.mode == mode)
    ]
    shown = chosen[:limit] if limit else chosen
    if as_json:
        click.echo(json.dumps([run_record(info, location) for info in shown], indent=2))
        return
    console = Console(width=None if sys.stdout.isatty() else 10_000)  # pipes: never wrap
    if not shown:
        console.print("no recorded runs" + (" match" if len(infos) else f" in {location}"))
        return
    table = Table(box=None, padding=(0, 1, 0, 0), pad_edge=False, header_style="bold")
    for name, justify in _LIST_COLUMNS:
        table.add_column(name, justify=justify, no_wrap=name != "strategy")
    for info in shown:
        total = (info.summary or {}).get("total_return")
        cells = (
            info.run_id[:12],
            info.strategy,
            info.mode,
            info.started_at.strftime("%Y-%m-%d %H:%M"),
            info.status,
            f"{info.event_count:,}",
            f"{info.rejected:,}",
            "-" if not isinstance(total, (int, float)) else f"{total:.2%}",
        )
        table.add_row(*map(Text, cells))  # Text: what a run holds is never markup
    console.print(table)
    if len(shown) < len(chosen):
        console.print(f"{len(shown)} of {len(chosen)} runs shown (--limit 0 shows all)")


_LIST_COLUMNS: tuple[tuple[str, JustifyMethod], ...] = (
    ("run", "left"),
    ("strategy", "left"),
    ("mode", "left"),
    ("started (UTC)", "left"),
    ("status", "left"),
    ("events", "right"),
    ("rejected", "right"),
    ("return", "right"),
)


@runs.command("show")
@click.argument("run")
@click.option("--db", default="default", help=_DB_HELP)
def show_run(run: str, db: str) -> None:
    """Show one run's metadata and summary as JSON (RUN may be an id prefix).

    The summary fields sit at the top level, named as "backtest --json" names them.
    """
    with _open(db, create=False) as store:
        info = store.get_run(_resolve(store, run))
        location = _location(store)
    click.echo(json.dumps(run_record(info, location), indent=2))


def run_record(info: RunInfo, location: str) -> dict[str, Any]:
    """A recorded run for ``--json`` output: the run's summary, under the names
    ``backtest --json`` prints, then what the store knows of the run."""
    record: dict[str, Any] = dict(info.summary or {})
    record.update(
        run_id=info.run_id,
        database=location,
        strategy=info.strategy,
        parameters=info.parameters,
        data_sources=[redact_credentials(source) for source in info.data_sources],
        status=info.status,
        started=info.started_at.isoformat(),
        ended=info.ended_at.isoformat() if info.ended_at else None,
        stored_events=info.event_count,
        rejected=info.rejected,
        recorded_by=None
        if info.owner is None
        else {"host": info.owner.host, "pid": info.owner.pid},
        tickwire_version=info.tickwire_version,
        sweep_id=info.sweep_id,
        mode=info.mode,
    )
    return record


@runs.command("export")
@click.argument("run")
@click.option(
    "--what",
    type=click.Choice(EXPORT_KINDS),
    default="fills",
    show_default=True,
    help="fills (one row each), orders (one row per lifecycle event) or every event.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="csv",
    show_default=True,
    help="File format (Parquet needs pyarrow).",
)
@click.option("--out", default=None, help="Output file  [default: RUN_WHAT.FORMAT]")
@click.option("--db", default="default", help=_DB_HELP)
def export(run: str, what: str, fmt: str, out: str | None, db: str) -> None:
    """Export a run's fills, orders or events to CSV or Parquet.

    Fills have the columns that "backtest --fills-out" writes, times in ISO 8601 UTC.
    """
    with _open(db, create=False) as store:
        run_id = _resolve(store, run)
        path = Path(out or f"{_file_safe(run_id)}_{what}.{fmt}")
        exported = export_run(store, run_id, what=what, fmt=fmt, path=path)
    click.echo(f"wrote {exported} to {path}")


@runs.command("diff")
@click.argument("first")
@click.argument("second")
@click.option("--db", default="default", help=_DB_HELP)
def diff(first: str, second: str, db: str) -> None:
    """Compare two runs' fills: exit 0 when identical, 1 at the first difference.

    FIRST and SECOND may be id prefixes (a live session and its backtest replay, say).
    """
    with _open(db, create=False) as store:
        first_id, second_id = _resolve(store, first), _resolve(store, second)
        result = diff_runs(store, first_id, second_id)
    count_a, count_b = result.fills
    found = result.divergence
    if found is None:
        click.echo(f"identical: {count_a:,} fills in each of {first_id[:12]} and {second_id[:12]}")
        return
    at = (found.first or found.second).ts_event_ns  # type: ignore[union-attr]
    click.echo(f"first difference at fill {found.index + 1} ({iso_time(at)}): {found.reason}")
    for label, run_id, fill in (
        ("first", first_id, found.first),
        ("second", second_id, found.second),
    ):
        click.echo(f"  {label:<6} {run_id[:12]}: {_fill_text(fill)}")
    if found.market is not None:
        click.echo(f"  market then: {_market_text(found.market)}")
    click.echo(f"differ: {count_a:,} and {count_b:,} fills")
    sys.exit(1)


def _fill_text(fill: Fill | None) -> str:
    if fill is None:
        return "no fill"
    return (
        f"{fill.side} {fill.quantity:g} {fill.instrument} at {fill.price:g}, commission "
        f"{fill.commission:g} (order {fill.order_id})"
    )


def _market_text(event: EventBase) -> str:
    if isinstance(event, Bar):
        return (
            f"bar {event.instrument} {iso_time(event.ts_event_ns)} open {event.open:g} high "
            f"{event.high:g} low {event.low:g} close {event.close:g}"
        )
    if isinstance(event, Tick):
        return (
            f"quote {event.instrument} {iso_time(event.ts_event_ns)} bid {event.bid:g} "
            f"ask {event.ask:g}"
        )
    return type(event).__name__


def _since_ns(since: str) -> int:
    """``since`` (an ISO date or time, UTC unless it says otherwise, or "7d"/"12h"/"30m"
    before now) as nanoseconds since the epoch."""
    relative = _SINCE.match(since)
    if relative:
        seconds = int(relative.group(1)) * _SINCE_UNITS[relative.group(2)]
        return time.time_ns() - seconds * 1_000_000_000
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise UsageError(
            f"--since {since!r}: expected an ISO date or time (2026-11-30, "
            "2026-11-30T09:30) or an age such as 7d, 12h or 30m"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


@contextmanager
def recorded_market_data(db: str, run: str) -> Iterator[RecordedMarketData]:
    """The market data of recorded run ``run`` (an id prefix) in store ``db``, which stays
    open until the block ends."""
    with _open(db, create=False) as store:
        yield RecordedMarketData(store, _resolve(store, run))


def open_for_writing(db: str) -> tuple[EventStore, str]:
    """The store ``db`` names ("default": the user's), made if needed, and its location
    without any password."""
    store = _open(db)
    return store, _location(store)


def _open(db: str, *, create: bool = True) -> EventStore:
    try:
        return open_store(None if db == "default" else db, create=create)
    except (StoreError, ConfigError) as exc:
        raise UsageError(f"cannot open store {redact_credentials(db)!r}: {exc}") from exc


def _location(store: EventStore) -> str:
    return redact_credentials(str(getattr(store, "location", "")))


def _file_safe(run_id: str) -> str:
    """The start of ``run_id`` as a file name part: a stored id comes from the database,
    which may be anyone's, so only letters, digits, "-" and "_" are kept."""
    return re.sub(r"[^0-9A-Za-z_-]", "", run_id)[:12] or "run"


def _resolve(store: EventStore, run: str) -> str:
    matches = [info.run_id for info in store.list_runs() if info.run_id.startswith(run)]
    if not matches:
        raise UsageError(f"no recorded run matches {run!r} (see: tickwire runs list)")
    if len(matches) > 1:
        raise UsageError(f"{run!r} matches {len(matches)} runs; give more of the id")
    return matches[0]


def _jsonable(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, (int, float, str)) or v is None else str(v))
        for k, v in summary.items()
    }
