"""Each process's heartbeat, as a small JSON file in the cluster's state folder: the
supervisor's status view and ``tickwire cluster status`` read them, also when the
supervisor is not running. A file is replaced whole (written aside, then renamed), so a
reader never sees half of one."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["ProcessStatus", "read_statuses", "status_dir", "write_status"]


class ProcessStatus(msgspec.Struct, kw_only=True):
    """What a process last said about itself."""

    name: str
    role: str
    pid: int
    state: str
    """``starting``, ``running``, ``degraded``, ``stopping``, ``finished``, ``stopped`` or
    ``failed``."""
    started_ns: int
    beat_ns: int
    """Wall time of this heartbeat."""
    sequence: int = 0
    """Heartbeats sent before this one."""
    interval: float = 1.0
    """Seconds between heartbeats: a beat older than three of them is stale."""
    detail: str = ""
    stats: dict[str, Any] = {}

    def age(self, now_ns: int | None = None) -> float:
        """Seconds since this heartbeat."""
        return ((now_ns if now_ns is not None else time.time_ns()) - self.beat_ns) / 1e9

    def stale(self, now_ns: int | None = None) -> bool:
        """Whether the process has missed three heartbeats while it should be beating."""
        running = self.state in ("starting", "running", "degraded", "stopping")
        return running and self.age(now_ns) > 3 * self.interval


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(ProcessStatus)


def status_dir(state_dir: Path) -> Path:
    """Where the heartbeat files are."""
    return state_dir / "status"


def write_status(state_dir: Path, status: ProcessStatus) -> None:
    """Replace ``status.name``'s heartbeat file."""
    folder = status_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{status.name}.json"
    aside = target.with_suffix(f".{os.getpid()}.tmp")
    aside.write_bytes(_ENCODER.encode(status))
    os.replace(aside, target)


def read_statuses(state_dir: Path) -> list[ProcessStatus]:
    """Every process's last heartbeat, by name; unreadable files are skipped."""
    statuses = []
    for file in sorted(status_dir(state_dir).glob("*.json")):
        with contextlib.suppress(OSError, msgspec.DecodeError):
            statuses.append(_DECODER.decode(file.read_bytes()))
    return statuses
