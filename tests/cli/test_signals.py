"""SIGTERM stops a recorded backtest as Ctrl-C does: stored, closed, marked interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tickwire.cli.signals import Terminated, sigterm_as_interrupt
from tickwire.data import synthetic_bars, write_bars_csv
from tickwire.events import Bar
from tickwire.persistence import RunStatus, SQLiteStore

posix = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")

_STRATEGY = """
import sys
from tickwire.strategy import Strategy


class WaitsAtBar(Strategy):
    at: int = 3000

    def on_start(self) -> None:
        self.seen = 0

    def on_bar(self, bar) -> None:
        self.seen += 1
        if self.seen == self.at:
            print("ready", flush=True)
            sys.stdin.readline()  # waits here for the signal
"""


@posix
@pytest.mark.parametrize(("signum", "code", "said"), [
    (signal.SIGTERM, 143, "terminated"),
    (signal.SIGINT, 130, "aborted"),
])  # fmt: skip
def test_a_signal_stops_a_recorded_backtest_with_every_event_stored(
    tmp_path: Path, signum: int, code: int, said: str
) -> None:
    (tmp_path / "waits.py").write_text(_STRATEGY)
    write_bars_csv(tmp_path / "bars.csv", synthetic_bars(5000, seed=3))
    db = tmp_path / "t.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [
            sys.executable, "-c", "import sys; from tickwire.cli import main; main(sys.argv[1:])",
            "backtest", f"{tmp_path / 'waits.py'}:WaitsAtBar", "--data", str(tmp_path / "bars.csv"),
            "--db", str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.send_signal(signum)
    _, err = child.communicate(timeout=120)
    assert child.returncode == code, err
    assert err.strip() == said
    with SQLiteStore(db) as store:
        (info,) = store.list_runs()
        events = list(store.iter_events(info.run_id))
    assert info.status == RunStatus.INTERRUPTED
    assert info.event_count == len(events)
    assert sum(isinstance(event, Bar) for event in events) == 3000  # up to the one it waited in


@posix
def test_sigterm_raises_once_inside_and_the_old_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a point where the handler runs
    with sigterm_as_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            signal.pthread_sigmask(signal.SIG_BLOCK, [])
        except Terminated:
            os.kill(os.getpid(), signal.SIGTERM)  # while cleaning up: ignored
            signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.getsignal(signal.SIGTERM) == before
