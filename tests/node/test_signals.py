"""SIGINT and SIGTERM to a real process running ``node.run()``: a graceful stop that
records everything; a second Ctrl-C exits at once without harming what was committed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tickwire.events import LifecycleEvent
from tickwire.persistence import SQLiteStore

CHILD = Path(__file__).with_name("signal_child.py")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")


def start_child(db: Path, *args: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(db), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # blocks until the strategy has seen 50 bars
    assert line == "ready\n", child.stderr.read() if child.stderr else line
    return child


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_node_gracefully_and_everything_is_recorded(
    tmp_path: Path, sig: signal.Signals
) -> None:
    db = tmp_path / "runs.db"
    child = start_child(db)
    child.send_signal(sig)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("stopping ")
    report = json.loads(lines[-1])
    assert report["status"] == "stopped" and report["stopped_by"] == sig.name
    store = SQLiteStore(db)
    run = store.get_run(report["run_id"])
    assert run.status == "stopped"
    events = list(store.iter_events(report["run_id"]))
    # Every event the bus published, to the recorder's own last lifecycle event.
    assert len(events) == run.event_count == report["published"]
    lifecycle = [(e.component, str(e.state)) for e in events if isinstance(e, LifecycleEvent)]
    assert lifecycle[-2:] == [("recorder", "STOPPING"), ("recorder", "STOPPED")]
    assert ("Trades", "STOPPED") in lifecycle and ("pulse", "STOPPED") in lifecycle


def test_a_second_ctrl_c_exits_at_once_and_keeps_what_was_committed(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    child = start_child(db, "slow-stop")  # its data client's stop hangs
    child.send_signal(signal.SIGINT)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("stopping ")
    committed = int(line.split()[1])
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 130, err
    assert "second interrupt" in err
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = SQLiteStore(db)
    [run] = store.list_runs()
    events = list(store.iter_events(run.run_id))
    assert len(events) >= committed > 50
