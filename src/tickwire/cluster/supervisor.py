"""The supervisor of ``tickwire cluster up``: starts every process of a cluster as
``tickwire node ROLE``, restarts one that crashed (with backoff, per the restart policy),
and stops them all gracefully, in order, at the end of the data or when asked.

The gateway and the strategies end by themselves when a replay is over; the services
(executor, order gateway, recorder) run until the supervisor stops them, after the
sources, so that what the strategies sent is handled and recorded.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tickwire.cluster.config import ClusterConfig, RestartPolicy

__all__ = ["Child", "Supervisor", "role_of"]

log = logging.getLogger("tickwire.cluster")

_SOURCES = ("gateway", "strategy")
"""Roles that end by themselves at the end of a replay."""


def role_of(cluster: ClusterConfig, name: str) -> str:
    """The role of process ``name``."""
    if name in cluster.strategy_names():
        return "strategy"
    return name


@dataclass
class Child:
    """One supervised process."""

    name: str
    role: str
    argv: list[str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    state: str = "pending"
    """``running``, ``restarting``, ``finished``, ``stopped``, ``failed``."""
    restarts: int = 0
    exit_code: int | None = None
    start_at: float = 0.0
    pids: list[int] = field(default_factory=list)
    """Every pid it ran as (the newest last)."""

    @property
    def pid(self) -> int | None:
        """The running process's pid."""
        return self.popen.pid if self.popen is not None and self.exit_code is None else None

    @property
    def source(self) -> bool:
        """Whether it ends by itself with the data."""
        return self.role in _SOURCES


class Supervisor:
    """Runs ``cluster`` (read from ``config_path``) until its data ends or :meth:`stop`."""

    def __init__(self, cluster: ClusterConfig, config_path: Path) -> None:
        self.cluster = cluster
        self.config_path = config_path.resolve()
        self.logs = cluster.state_path / "logs"
        self.children = [self._child(name) for name in cluster.process_names()]
        self.stopping = threading.Event()
        self.stopped_by = ""
        self._logs: dict[str, IO[bytes]] = {}

    def _child(self, name: str) -> Child:
        role = role_of(self.cluster, name)
        argv = [sys.executable, "-m", "tickwire", "node", role, "--config", str(self.config_path)]
        if role == "strategy":
            argv += ["--name", name]
        return Child(name, role, argv, self.logs / f"{name}.log")

    def child(self, name: str) -> Child:
        """The process named ``name``."""
        for child in self.children:
            if child.name == name:
                return child
        raise KeyError(name)

    # -- starting and restarting -------------------------------------------------------

    def start(self) -> None:
        """Start every process (services first, the gateway last)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        out = self._logs.get(child.name)
        if out is None:
            out = self._logs[child.name] = child.log_path.open("ab")
        out.write(f"--- start {time.strftime('%Y-%m-%dT%H:%M:%S')} ---\n".encode())
        out.flush()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        child.popen = subprocess.Popen(
            child.argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches the supervisor only, which stops in order
        )
        child.pids.append(child.popen.pid)
        child.exit_code = None
        child.state = "running"
        log.info("started %s (pid %d)", child.name, child.popen.pid)

    def poll(self) -> bool:
        """Handle exits and due restarts; whether the cluster is still running."""
        now = time.monotonic()
        for child in self.children:
            if child.state == "restarting" and now >= child.start_at:
                self._spawn(child)
            if child.popen is None or child.state != "running":
                continue
            code = child.popen.poll()
            if code is not None:
                self._exited(child, code, now)
        sources = [c for c in self.children if c.source]
        return not all(c.state in ("finished", "failed", "stopped") for c in sources)

    def _exited(self, child: Child, code: int, now: float) -> None:
        child.exit_code = code
        restart = self.cluster.restart
        failed = code != 0
        if not failed and (child.source or restart.policy is not RestartPolicy.ALWAYS):
            child.state = "finished" if child.source else "stopped"
            log.info("%s exited (code 0)", child.name)
            return
        if restart.policy is RestartPolicy.NEVER or child.restarts >= restart.max_restarts:
            child.state = "failed"
            log.error("%s exited with %s: not restarted", child.name, _describe(code))
            return
        delay = min(restart.backoff * 2**child.restarts, restart.max_backoff)
        child.restarts += 1
        child.state = "restarting"
        child.start_at = now + delay
        log.warning(
            "%s exited with %s: restart %d in %.1f s",
            child.name,
            _describe(code),
            child.restarts,
            delay,
        )

    # -- stopping ----------------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        """Ask :meth:`run` to stop the cluster; safe from a signal handler."""
        if not self.stopping.is_set():
            self.stopped_by = reason
            self.stopping.set()

    def stop(self) -> None:
        """Stop every process gracefully: the sources first, then the services in
        reverse start order; one that does not stop within ``stop_timeout`` is killed."""
        order = [c for c in self.children if c.source][::-1]
        order += [c for c in self.children if not c.source][::-1]
        for child in order:
            self._stop(child)
        for out in self._logs.values():
            out.close()
        self._logs.clear()

    def _stop(self, child: Child) -> None:
        if child.state == "restarting":
            child.state = "stopped"
            return
        popen = child.popen
        if popen is None or child.state != "running":
            return
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
            try:
                popen.wait(self.cluster.restart.stop_timeout)
            except subprocess.TimeoutExpired:
                log.error("%s did not stop in time: killed", child.name)
                popen.kill()
                popen.wait()
        child.exit_code = popen.returncode
        child.state = "stopped" if popen.returncode == 0 else "failed"

    def run(self, on_tick: object = None, *, tick_s: float = 0.1) -> int:
        """Start, supervise until the data ends or a stop is asked, stop; the exit code:
        0 when every process ended well, 1 when one failed for good."""
        self.start()
        try:
            while self.poll():
                if callable(on_tick):
                    on_tick(self)
                if self.stopping.wait(tick_s):
                    break
        finally:
            self.stop()
        if callable(on_tick):
            on_tick(self)
        return 1 if any(c.state == "failed" for c in self.children) else 0


def _describe(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"
