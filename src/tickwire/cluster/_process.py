"""What every role process shares: its name, a stop flag that SIGTERM and SIGINT set (a
graceful stop), its heartbeat file, and the loop that pumps its sockets."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from tickwire.cluster._status import ProcessStatus, write_status
from tickwire.cluster.config import ClusterConfig
from tickwire.transport import Pump

__all__ = ["RoleProcess"]

log = logging.getLogger("tickwire.cluster")


class RoleProcess:
    """One process of ``cluster``: ``name`` (``gateway``, a strategy's name...) in ``role``."""

    def __init__(self, cluster: ClusterConfig, name: str, role: str) -> None:
        self.cluster = cluster
        self.name = name
        self.role = role
        self.stop = threading.Event()
        """Set by SIGTERM or SIGINT (or :meth:`request_stop`): stop gracefully."""
        self.state = "starting"
        self.detail = ""
        self.stopped_by = ""
        """What asked this process to stop (``SIGTERM``...), once asked."""
        self.stats: Callable[[], dict[str, Any]] = dict
        """What the heartbeat reports (the role's socket counts)."""
        self._started_ns = time.time_ns()
        self._beats = 0
        self._next_beat = 0.0

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT ask for a graceful stop (on the main thread)."""
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda n, _frame: self.request_stop(signal.Signals(n).name))

    def request_stop(self, reason: str) -> None:
        """Stop gracefully; safe from a signal handler."""
        if not self.stop.is_set():
            self.stopped_by = reason
            self.stop.set()

    def set_state(self, state: str, detail: str = "") -> None:
        """Change state (``detail`` says why, or is cleared) and write a heartbeat now."""
        self.state = state
        self.detail = detail
        log.info("%s: %s%s", self.name, state, f" ({detail})" if detail else "")
        self.beat(force=True)

    def beat(self, *, force: bool = False) -> None:
        """Write the heartbeat file if one is due (every ``heartbeat_interval``)."""
        now = time.monotonic()
        if not force and now < self._next_beat:
            return
        interval = self.cluster.heartbeat_interval
        self._next_beat = now + interval
        write_status(
            self.cluster.state_path,
            ProcessStatus(
                name=self.name,
                role=self.role,
                pid=os.getpid(),
                state=self.state,
                started_ns=self._started_ns,
                beat_ns=time.time_ns(),
                sequence=self._beats,
                interval=interval,
                detail=self.detail or (f"stopped by {self.stopped_by}" if self.stopped_by else ""),
                stats=self.stats(),
            ),
        )
        self._beats += 1

    def pump_until(self, pump: Pump, done: Callable[[], bool], *, step_s: float = 0.05) -> None:
        """Pump the sockets until ``done()`` or a stop request, beating as it goes."""
        while not self.stop.is_set() and not done():
            pump.once(step_s)
            self.beat()
