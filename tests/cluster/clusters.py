"""Cluster files for the tests: every socket on a free loopback port, state in tmp_path."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

from tickwire.cluster import ProcessStatus, read_statuses
from tickwire.data import sample_data_paths

ACME = sample_data_paths()[0]
EMA = "tickwire.strategy.ema_cross:EmaCross"
_ENDPOINTS = ("market_data", "signals", "acks", "orders", "executions", "control")


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on loopback now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def head_of(path: Path, rows: int, target: Path) -> Path:
    """The first ``rows`` bars of the CSV ``path``, written to ``target``."""
    lines = path.read_text().splitlines()
    target.write_text("\n".join(lines[: rows + 1]) + "\n")
    return target


def write_cluster(
    folder: Path,
    strategies: list[str],
    *,
    data: Path = ACME,
    gateway: str = "",
    executor: str = "",
    restart: str = "",
    venue: str = "",
    record: bool = True,
    heartbeat: float = 0.2,
) -> Path:
    """A cluster.toml in ``folder``: ``strategies`` are TOML tables' bodies."""
    ports = free_ports(len(_ENDPOINTS))
    endpoints = "\n".join(
        f'{name} = "tcp://127.0.0.1:{port}"' for name, port in zip(_ENDPOINTS, ports, strict=True)
    )
    parts = [
        f'[cluster]\nname = "test"\nstate_dir = "state"\nheartbeat_interval = {heartbeat}\n',
        f"[endpoints]\n{endpoints}\n",
        f'[gateway]\ndata = ["{data}"]\n{gateway}\n',
        *(f"[[strategies]]\n{body}\n" for body in strategies),
        f"[executor]\n{executor}\n",
        f"[restart]\n{restart}\n",
        f"[order_gateway]\n{venue}\n",
    ]
    if record:
        parts.append('[recorder]\ndb = "cluster.db"\n')
    path = folder / "cluster.toml"
    path.write_text("\n".join(parts))
    return path


def wait_for_status(
    state: Path, name: str, check: Callable[[ProcessStatus], bool], timeout: float = 60.0
) -> ProcessStatus:
    """The first heartbeat of ``name`` that passes ``check`` (heartbeats are the only
    signal a process gives another; they come every 0.2 s here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for status in read_statuses(state):
            if status.name == name and check(status):
                return status
        time.sleep(0.05)
    raise AssertionError(f"{name}: no such heartbeat within {timeout} s")
