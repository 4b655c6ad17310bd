"""Who records a run, and whether that process is gone: what crash recovery judges by.

A run's owner is its host name, pid and, on Linux, a start token (boot id, pid namespace
and the process's start time in clock ticks since boot) that tells the process from a
later one given the same pid. Only runs of this host can be judged: a run recorded on
another host, or in another pid namespace of this one (another container), is never
taken for crashed.
"""

from __future__ import annotations

import os
import socket
import sys
from functools import cache
from pathlib import Path

from tickwire.persistence._types import RunOwner

__all__ = ["owner_gone", "this_process"]

_PROC = Path("/proc")


@cache
def _boot_id() -> str:
    try:
        return (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return ""


@cache
def _pid_namespace() -> str:
    try:
        return str(os.stat(_PROC / "self" / "ns" / "pid").st_ino)
    except OSError:
        return ""


def _start_ticks(pid: int) -> tuple[str, str] | None:
    """The process's (state, start time in clock ticks since boot), None if there is none."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (2nd field) may hold spaces and parentheses: split after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[0], fields[19]  # fields 3 and 22 of proc_pid_stat(5)


def _start_token(pid: int) -> str:
    boot, namespace = _boot_id(), _pid_namespace()
    ticks = _start_ticks(pid) if boot and namespace else None
    return "" if ticks is None else f"{boot}/{namespace}/{ticks[1]}"


def this_process() -> RunOwner:
    """The owner to record for a run recorded by this process."""
    pid = os.getpid()
    return RunOwner(host=socket.gethostname(), pid=pid, start=_start_token(pid))


def owner_gone(owner: RunOwner) -> bool:
    """Whether the process that recorded a run has certainly ended (False when unsure)."""
    if owner.host != socket.gethostname():
        return False
    if owner.start:
        boot, _, rest = owner.start.partition("/")
        namespace, _, ticks = rest.partition("/")
        if not (_boot_id() and _pid_namespace()):
            return False  # this process cannot see what the recording one saw
        if boot != _boot_id():
            return True  # recorded before this machine last booted
        if namespace != _pid_namespace():
            return False  # another container's pids: not ours to look up
        found = _start_ticks(owner.pid)
        # A zombie has exited, only its parent has not reaped it yet.
        return found is None or found[0] in ("Z", "X") or found[1] != ticks
    if sys.platform == "win32":
        return False  # os.kill(pid, 0) would send CTRL_C_EVENT there
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False
