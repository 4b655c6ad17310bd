"""``tickwire live``: a strategy on a live websocket feed, paper-traded or at a venue.

The session is a :class:`~tickwire.node.Node` around one
:class:`~tickwire.live.WebSocketFeed`: the same Strategy class as ``tickwire backtest``,
its orders filled by the simulated broker on the feed's bars and quotes (``--paper``),
or sent to a venue speaking ``tickwire exchange``'s order protocol (``--exchange URL``,
through :class:`~tickwire.node.venue.VenueExecution`), every event recorded as a run of
mode ``paper`` or ``live``. It ends gracefully on ``--duration``, Ctrl-C or SIGTERM (exit 0, the run
``stopped``), or when the feed ends; a second Ctrl-C exits at once (130). A strategy that
raises is stopped alone under ``--on-error stop`` and the session exits 1 at its end.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from tickwire.bus import ErrorPolicy
from tickwire.cli.loading import UsageError, parse_params
from tickwire.cli.options import broker_options, cost_options, on_error_option
from tickwire.cli.runs import open_for_writing
from tickwire.cli.status import StatusPrinter, status_line
from tickwire.exchange import ExchangeClient
from tickwire.live import (
    BinanceFormat,
    FeedFormat,
    HealthMonitor,
    HealthServer,
    TickwireFormat,
    WebSocketFeed,
)
from tickwire.node import BrokerConfig, Node, NodeConfig, NodeOutcome, StrategyStats
from tickwire.node.venue import VenueExecution
from tickwire.persistence import Recorder, RunMode, redact_credentials
from tickwire.strategy import Strategy, parameter_values
from tickwire.strategy.loading import build_strategy, load_strategy

__all__ = ["live"]

_FORMATS: dict[str, type[FeedFormat]] = {"tickwire": TickwireFormat, "binance": BinanceFormat}
_FEED_NAME = "feed"

err = Console(stderr=True)


@click.command()
@click.argument("strategy")
@click.option("--feed", "url", required=True, help="Websocket URL of the market data feed.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(_FORMATS)),
    default="tickwire",
    show_default=True,
    help="What the feed speaks: tickwire JSON events, or Binance spot streams.",
)
@click.option(
    "--instrument",
    "instruments",
    multiple=True,
    help="Subscribe to this (repeatable): an instrument (tickwire) or a stream such as "
    "btcusdt@kline_1m (binance).",
)
@click.option(
    "--paper", is_flag=True, help="Fill orders with the simulated broker on the live data."
)
@click.option(
    "--exchange",
    "exchange_url",
    default=None,
    metavar="URL",
    help="Instead of --paper: send orders to this venue (tickwire exchange's order "
    "protocol), reconciled with it before the strategy starts.",
)
@click.option("--param", "params", multiple=True, help="Strategy parameter NAME=VALUE.")
@click.option("--cash", default=100_000.0, show_default=True, help="Starting cash.")
@cost_options
@click.option("--db", default=None, help="Store URL or SQLite path (default: the user store).")
@click.option("--no-record", is_flag=True, help="Do not record the session.")
@click.option(
    "--duration",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Stop gracefully after this many seconds  [default: run until stopped]",
)
@click.option(
    "--cancel-on-stop", is_flag=True, help="Cancel the strategy's working orders when it stops."
)
@on_error_option("stop it alone (the session exits 1 at its end)")
@click.option(
    "--health-port",
    type=click.IntRange(0, 65_535),
    default=None,
    help="Serve /health (JSON) and /metrics (Prometheus) on 127.0.0.1 at this port.",
)
@click.option(
    "--connect-timeout",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Fail with one line if the feed cannot be reached within this many seconds  "
    "[default: keep retrying]",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0.0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds without a message before the connection is taken as stale and replaced.",
)
@click.option(
    "--status-every",
    type=click.FloatRange(min=0.0),
    default=5.0,
    show_default=True,
    help="Print a one-line status this often, in seconds (0: never).",
)
@click.option(
    "--heartbeat",
    type=click.FloatRange(min=0.0, min_open=True),
    default=5.0,
    show_default=True,
    help="Every component that is up beats this often, in seconds; /health reports one "
    "that missed three beats as degraded.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
def live(
    strategy: str,
    url: str,
    fmt: str,
    instruments: tuple[str, ...],
    paper: bool,
    exchange_url: str | None,
    params: tuple[str, ...],
    cash: float,
    commission: str | None,
    slippage: str | None,
    db: str | None,
    no_record: bool,
    duration: float | None,
    cancel_on_stop: bool,
    on_error: str,
    health_port: int | None,
    connect_timeout: float | None,
    idle_timeout: float,
    status_every: float,
    heartbeat: float,
    as_json: bool,
) -> None:
    """Trade a strategy on a live feed: paper, or at an exchange.

    STRATEGY is path/to/file.py:Class or package.module:Class, as for backtest.
    """
    if paper == (exchange_url is not None):
        raise UsageError(
            "tickwire live needs --paper (the simulated broker fills orders on the live "
            "data) or --exchange URL (orders go to that venue), not both"
        )
    strategy_cls = load_strategy(strategy)
    values = parameter_values(strategy_cls, parse_params(params))
    chosen = build_strategy(strategy_cls, values)
    config = NodeConfig(
        cash=cash,
        broker=BrokerConfig.from_mapping(broker_options(commission, slippage)),
        on_error=ErrorPolicy(on_error),
        cancel_on_stop=cancel_on_stop,
        duration=duration,
        heartbeat_interval=heartbeat,
        # the feed's own connect timeout, failing fast with its one line, comes first
        start_timeout=(connect_timeout if connect_timeout is not None else 10.0) + 5.0,
    )
    execution = None
    if exchange_url is not None:
        execution = VenueExecution(ExchangeClient(exchange_url))
    node = Node(chosen, config=config, execution=execution, name="tickwire live")
    feed = WebSocketFeed(
        _FEED_NAME,
        url,
        node.bus,
        format=_FORMATS[fmt](),
        streams=instruments,
        idle_timeout=idle_timeout,
        connect_timeout=connect_timeout if connect_timeout is not None else 10.0,
        fail_fast=connect_timeout is not None,
    )
    node.add_feed(feed)
    mode = RunMode.PAPER if execution is None else RunMode.LIVE
    recorder, location = _recorder(
        db, no_record, chosen, [url, *filter(None, [exchange_url])], mode
    )
    node.recorder = recorder
    monitor = HealthMonitor(node.bus, heartbeat_timeout=3 * heartbeat)
    monitor.watch(feed)
    server = HealthServer(monitor, port=health_port) if health_port is not None else None
    printer = None
    if status_every > 0 and not as_json:
        printer = StatusPrinter(
            lambda: status_line(monitor.report(), [(feed.name, feed.stats())], node.portfolio),
            err,
            status_every,
        )
    try:
        if server is not None:
            server.start()
            err.print(f"health: {server.url}/health  metrics: {server.url}/metrics")
        if printer is not None:
            printer.start()
        outcome = node.run()
    finally:
        if printer is not None:
            printer.stop()
        if server is not None:
            server.stop()
        if recorder is not None:
            recorder.store.close()
    _report(outcome, node, feed, recorder, location, as_json)
    if outcome.exit_code:
        sys.exit(outcome.exit_code)


def _recorder(
    db: str | None, no_record: bool, strategy: Strategy, sources: list[str], mode: str
) -> tuple[Recorder | None, str]:
    """The session's recorder on ``db`` (the user's store by default), or none."""
    if no_record:
        return None, ""
    store, location = open_for_writing(db or "default")
    try:
        recorder = Recorder(
            store,
            strategy=strategy.strategy_name,
            parameters=strategy.params,
            data_sources=sources,
            mode=mode,
        )
    except BaseException:
        store.close()
        raise
    return recorder, location


def _report(
    outcome: NodeOutcome,
    node: Node,
    feed: WebSocketFeed,
    recorder: Recorder | None,
    location: str,
    as_json: bool,
) -> None:
    """The session's outcome: JSON for scripts, or lines for people (on stdout)."""
    stats = feed.stats()
    portfolio = node.portfolio
    record: dict[str, Any] = {
        "status": outcome.status,
        "stopped_by": outcome.stopped_by,
        "failure": outcome.failure,
        "events": outcome.events,
        "fills": outcome.event_counts.get("Fill", 0),
        "errors": len(outcome.errors),
        "final_equity": None if portfolio is None else portfolio.equity,
        "wall_time_s": outcome.wall_time_s,
        "feed": {
            "url": redact_credentials(feed.url),
            "messages": stats.received,
            "published": stats.published,
            "rejected": stats.rejected,
            "duplicates": stats.duplicates,
            "gaps": stats.gaps,
            "missing": stats.missing,
            "connects": stats.connects,
            "stale": stats.stale,
        },
        "strategies": [_strategy_record(s) for s in outcome.strategies],
    }
    if recorder is not None:
        record.update(run_id=recorder.run_id, database=location, stored_events=recorder.recorded)
    if as_json:
        click.echo(json.dumps(record, default=str))
        return
    if outcome.failure:
        err.print(Text(f"error: {outcome.failure}", style="red"), highlight=False, soft_wrap=True)
    if not any(s.state for s in outcome.strategies):
        return  # it failed before any strategy started: the line above says why
    how = f" by {outcome.stopped_by}" if outcome.stopped_by else ""
    click.echo(f"session {outcome.status}{how} after {outcome.wall_time_s:.1f} s")
    feed_line = record["feed"]
    click.echo(
        f"feed: {feed_line['messages']:,} messages, {feed_line['rejected']:,} rejected, "
        f"{feed_line['gaps']:,} gaps, {feed_line['connects']:,} connections"
    )
    for s in outcome.strategies:
        click.echo(
            f"{s.name}: {s.state.lower()}, {s.orders:,} orders, {s.fills:,} fills, "
            f"{s.errors:,} errors, realized P&L {s.realized_pnl:,.2f}"
        )
    if portfolio is not None:
        click.echo(f"final equity {portfolio.equity:,.2f}")
    for error in outcome.errors[:1]:
        if error.traceback:
            click.echo(f"first traceback ({error.component}):", err=True)
            click.echo(error.traceback.rstrip("\n"), err=True)
    if recorder is not None:
        click.echo(f"recorded as run {recorder.run_id} in {location}")


def _strategy_record(stats: StrategyStats) -> dict[str, Any]:
    """One strategy's record in the session's JSON."""
    return {
        "name": stats.name,
        "state": stats.state,
        "orders": stats.orders,
        "fills": stats.fills,
        "errors": stats.errors,
        "realized_pnl": stats.realized_pnl,
    }
