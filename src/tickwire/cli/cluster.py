"""``tickwire node ROLE`` runs one process of a cluster; ``tickwire cluster up`` runs them
all under a supervisor, ``cluster status`` shows their heartbeats, ``cluster keys`` makes
CURVE keys (``docs/cluster.md``)."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import zmq
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from tickwire._exceptions import ConfigError
from tickwire.cli.options import broker_options
from tickwire.cluster import ClusterConfig, ProcessStatus, Supervisor, load_cluster, read_statuses
from tickwire.cluster._process import RoleProcess
from tickwire.node.config import RiskConfig
from tickwire.strategy.loading import build_strategy, load_strategy
from tickwire.transport import write_curve_keys

__all__ = ["cluster", "node"]

ROLES = ("gateway", "strategy", "executor", "order-gateway", "recorder")
err = Console(stderr=True)


@click.command("node", short_help="Run one process of a cluster.")
@click.argument("role", type=click.Choice(ROLES))
@click.option(
    "--config", "config_path", required=True, type=click.Path(dir_okay=False), help="cluster.toml"
)
@click.option("--name", default=None, help="Which strategy (its name in the file).")
def node(role: str, config_path: str, name: str | None) -> None:
    """Run one process of the cluster in CONFIG: gateway, strategy, executor,
    order-gateway or recorder. SIGTERM or Ctrl-C stops it gracefully."""
    cluster = load_cluster(config_path)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    if role == "strategy":
        names = cluster.strategy_names()
        if name is None and len(names) > 1:
            raise ConfigError(f"node strategy: pass --name (one of {', '.join(names)})")
        name = name or names[0]
    elif name is not None:
        raise ConfigError(f"node {role}: --name is for strategies")
    process = RoleProcess(cluster, name or role, role)
    make = _role(role, process)  # what the file or the strategy refuses fails here
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    process.install_signal_handlers()
    code = make(context).run()
    # Each role closed its sockets; terminating the context ends the CURVE authenticator's
    # thread too. (destroy() would close that thread's socket under it: libzmq aborts.)
    # After an exception the context is left to the interpreter's exit.
    context.term()
    sys.exit(code)


_Context = zmq.Context[zmq.Socket[bytes]]


def _role(role: str, process: RoleProcess) -> Callable[[_Context], Any]:
    """How to build ``role`` once there is a context; the checks of its settings (the
    strategy, its parameters, costs, limits, the store) are done now, before any socket."""
    cluster = process.cluster
    if role == "gateway":
        from tickwire.cluster.gateway import Gateway

        return lambda context: Gateway(process, context)
    if role == "order-gateway":
        from tickwire.cluster.order_gateway import OrderGateway

        venue = cluster.order_gateway
        options = broker_options(venue.commission or None, venue.slippage or None)
        return lambda context: OrderGateway(process, context, options)
    if role == "executor":
        from tickwire.cluster.executor import Executor

        risk = RiskConfig.from_mapping(cluster.executor.risk)
        return lambda context: Executor(process, context, risk)
    if role == "recorder":
        from tickwire.cluster.recorder import ClusterRecorder
        from tickwire.persistence import open_store

        db = cluster.recorder.db if cluster.recorder is not None else "default"
        target = None if db == "default" else db
        if target is not None and "://" not in target:
            target = str(cluster.path(target))
        store = open_store(target)
        return lambda context: ClusterRecorder(process, context, store)
    from tickwire.cluster.strategy import StrategyProcess

    entry = cluster.strategy(process.name)
    spec = entry.strategy
    module, sep, cls = spec.rpartition(":")
    if sep and (module.endswith(".py") or "/" in module):
        spec = f"{cluster.path(module)}:{cls}"
    strategy = build_strategy(load_strategy(spec), entry.params)
    return lambda context: StrategyProcess(process, context, strategy)


@click.group("cluster", short_help="Run, watch and key a cluster of processes.")
def cluster() -> None:
    """Run a cluster of tickwire processes (``cluster.toml``)."""


@cluster.command("up", short_help="Start and supervise every process of a cluster.")
@click.argument("config_path", type=click.Path(dir_okay=False))
@click.option("--quiet", is_flag=True, help="No status view; one line per process event.")
def up(config_path: str, quiet: bool) -> None:
    """Start every process of CONFIG_PATH, supervise them, and stop them all at the end
    of the data or on Ctrl-C (exit 0; 1 if a process failed for good)."""
    config = load_cluster(config_path)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    supervisor = Supervisor(config, Path(config_path))
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda n, _f: supervisor.request_stop(signal.Signals(n).name))
    if quiet:
        code = supervisor.run()
    else:
        with Live(_table(config, supervisor), console=err, refresh_per_second=4) as live:
            last = [0.0]

            def refresh(sup: Supervisor) -> None:
                if time.monotonic() - last[0] >= 0.5:
                    live.update(_table(config, sup))
                    last[0] = time.monotonic()

            code = supervisor.run(refresh)
            live.update(_table(config, supervisor))
    failed = [c.name for c in supervisor.children if c.state == "failed"]
    how = f"stopped by {supervisor.stopped_by}" if supervisor.stopped_by else "the data ended"
    click.echo(
        f"cluster {config.name}: {how}; "
        + (f"failed: {', '.join(failed)}" if failed else "every process ended well")
    )
    click.echo(f"logs and heartbeats in {config.state_path}")
    sys.exit(code)


@cluster.command("status", short_help="Each process's health from its heartbeat.")
@click.argument("config_path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON record per process.")
def status(config_path: str, as_json: bool) -> None:
    """Each process's health from its last heartbeat (exit 1 if one is stale or failed)."""
    config = load_cluster(config_path)
    statuses = {s.name: s for s in read_statuses(config.state_path)}
    if as_json:
        import msgspec

        for name in config.process_names():
            found = statuses.get(name)
            record = (
                msgspec.to_builtins(found)
                if found is not None
                else {"name": name, "state": "unknown"}
            )
            if found is not None:
                record["stale"] = found.stale()
            click.echo(msgspec.json.encode(record).decode())
    else:
        Console().print(_table(config, None, statuses))
    unhealthy = [
        name
        for name in config.process_names()
        if name not in statuses or statuses[name].stale() or statuses[name].state == "failed"
    ]
    sys.exit(1 if unhealthy else 0)


@cluster.command("keys", short_help="Write the CURVE keys of every process.")
@click.argument("config_path", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace existing keys (locks out old holders).")
def keys(config_path: str, replace: bool) -> None:
    """Write a CURVE key pair for each process of CONFIG_PATH into its [cluster]
    curve_keys folder: public/NAME.key (share them) and secret/NAME.key_secret (keep each
    on its process's host). With keys, every socket is encrypted and admits only them."""
    config = load_cluster(config_path)
    if not config.curve_keys:
        raise ConfigError(f'{config_path}: set [cluster] curve_keys = "FOLDER" first')
    folder = config.path(config.curve_keys)
    try:
        pairs = write_curve_keys(folder, config.process_names(), replace=replace)
    except FileExistsError as exc:
        raise ConfigError(f"{exc} (--replace writes new keys)") from None
    click.echo(f"{len(pairs)} key pairs in {folder}: {', '.join(pairs)}")


def _table(
    config: ClusterConfig,
    supervisor: Supervisor | None,
    statuses: dict[str, ProcessStatus] | None = None,
) -> Table:
    """One row per process: its state, pid, restarts, heartbeat age and main counts."""
    if statuses is None:
        statuses = {s.name: s for s in read_statuses(config.state_path)}
    table = Table(title=f"cluster {escape(config.name)}", expand=False)
    for column in ("process", "state", "pid", "restarts", "heartbeat", "detail"):
        table.add_column(column)
    now = time.time_ns()
    for name in config.process_names():
        beat = statuses.get(name)
        child = supervisor.child(name) if supervisor is not None else None
        state = beat.state if beat is not None else "unknown"
        if child is not None and child.state in ("restarting", "failed", "pending"):
            state = child.state
        elif beat is not None and beat.stale(now):
            state = f"{state} (stale)"
        pid = str(child.pid or "") if child is not None else (str(beat.pid) if beat else "")
        restarts = str(child.restarts) if child is not None else ""
        age = f"{beat.age(now):.1f} s ago" if beat is not None else "never"
        table.add_row(name, state, pid, restarts, age, escape(_detail(beat)))
    return table


def _detail(beat: ProcessStatus | None) -> str:
    if beat is None:
        return ""
    stats = beat.stats
    parts = [beat.detail] if beat.detail else []
    for key in ("published", "market_events", "orders", "recorded", "orders_sent"):
        if key in stats:
            parts.append(f"{key.replace('_', ' ')} {stats[key]}")
    return "; ".join(parts)
