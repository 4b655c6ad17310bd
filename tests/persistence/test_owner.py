"""Telling whether the process that recorded a run is gone: only when certain."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace

import pytest

from tickwire.persistence import RunOwner
from tickwire.persistence._owner import owner_gone, this_process

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_this_process_is_not_gone() -> None:
    me = this_process()
    assert (me.host, me.pid) == (socket.gethostname(), os.getpid())
    assert not owner_gone(me)


@linux
def test_the_start_token_tells_a_reused_pid_and_a_reboot() -> None:
    me = this_process()
    boot, namespace, ticks = me.start.split("/")
    assert owner_gone(replace(me, start=f"{boot}/{namespace}/{int(ticks) + 1}"))  # pid reused
    assert owner_gone(replace(me, start=f"another-boot/{namespace}/{ticks}"))
    assert not owner_gone(replace(me, start=f"{boot}/another-namespace/{ticks}"))  # a container


def test_a_pid_nobody_has_is_gone_and_other_hosts_are_never_judged() -> None:
    nobody = 2**22 + 1  # above any kernel's pid_max
    assert owner_gone(RunOwner(host=socket.gethostname(), pid=nobody))
    assert not owner_gone(RunOwner(host="another-host.example", pid=nobody))


@linux
def test_a_killed_process_not_yet_reaped_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=-1)
    owner = RunOwner(host=socket.gethostname(), pid=child.pid, start=_token(child.pid))
    assert not owner_gone(owner)
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited; still a zombie
    assert owner_gone(owner)
    child.communicate()


def _token(pid: int) -> str:
    """The start token ``this_process`` would record for ``pid``."""
    me = this_process()
    boot, namespace, _ = me.start.split("/")
    with open(f"/proc/{pid}/stat") as stream:
        stat = stream.read()
    return f"{boot}/{namespace}/{stat[stat.rindex(')') + 2 :].split()[19]}"
