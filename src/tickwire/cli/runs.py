"""Recording backtests and the ``tickwire runs`` commands that inspect them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tickwire._exceptions import ConfigError
from tickwire.backtest import Backtest, BacktestResult
from tickwire.cli.loading import UsageError
from tickwire.persistence import (
    EventStore,
    Recorder,
    StoreError,
    export_run,
    open_store,
    redact_credentials,
)

__all__ = ["RecordedRun", "record_run", "runs"]


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


@click.group()
def runs() -> None:
    """List, show and export recorded runs."""


@runs.command("list")
@click.option("--db", default="default", help="Store URL or SQLite path.")
def list_runs(db: str) -> None:
    """List recorded runs, newest first (runs whose process died are marked crashed)."""
    with _open(db, create=False) as store:
        store.recover_crashed_runs()  # a database store did on opening; a memory one not
        infos = store.list_runs()
    table = Table("run", "strategy", "started (UTC)", "status", "events", "rejected", "return")
    for info in sorted(infos, key=lambda r: r.started_ns, reverse=True):
        summary = info.summary or {}
        total = summary.get("total_return")
        cells = (
            info.run_id[:12],
            info.strategy,
            info.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            info.status,
            f"{info.event_count:,}",
            f"{info.rejected:,}",
            "-" if not isinstance(total, (int, float)) else f"{total:.2%}",
        )
        table.add_row(*map(Text, cells))  # Text: what a run holds is never markup
    Console().print(table)


@runs.command("show")
@click.argument("run")
@click.option("--db", default="default", help="Store URL or SQLite path.")
def show_run(run: str, db: str) -> None:
    """Show one run's metadata and summary (RUN may be an id prefix)."""
    with _open(db, create=False) as store:
        info = store.get_run(_resolve(store, run))
    click.echo(
        json.dumps(
            {
                "run_id": info.run_id,
                "strategy": info.strategy,
                "parameters": info.parameters,
                "data_sources": [redact_credentials(source) for source in info.data_sources],
                "tickwire_version": info.tickwire_version,
                "started": info.started_at.isoformat(),
                "ended": info.ended_at.isoformat() if info.ended_at else None,
                "status": info.status,
                "events": info.event_count,
                "rejected": info.rejected,
                "recorded_by": None
                if info.owner is None
                else {"host": info.owner.host, "pid": info.owner.pid},
                "summary": info.summary,
            },
            indent=2,
        )
    )


@runs.command("export")
@click.argument("run")
@click.option("--what", type=click.Choice(["fills", "orders", "events"]), default="fills")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv")
@click.option("--out", default=None, help="Output file (default: RUN_WHAT.FORMAT).")
@click.option("--db", default="default", help="Store URL or SQLite path.")
def export(run: str, what: str, fmt: str, out: str | None, db: str) -> None:
    """Export a run's fills, orders or events to CSV or Parquet."""
    with _open(db, create=False) as store:
        run_id = _resolve(store, run)
        path = Path(out or f"{_file_safe(run_id)}_{what}.{fmt}")
        rows = export_run(store, run_id, what=what, fmt=fmt, path=path)
    click.echo(f"wrote {rows} {what} to {path}")


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
