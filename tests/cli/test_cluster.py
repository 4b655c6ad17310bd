"""``tickwire node`` and ``tickwire cluster status``: what a user sees when something is
wrong (the running cluster itself is tested in tests/cluster)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tickwire.cluster import ProcessStatus, load_cluster
from tickwire.cluster._status import write_status

from .helpers import run

CLUSTER = """
[cluster]
state_dir = "state"

[gateway]
data = ["bars.csv"]

[[strategies]]
strategy = "tickwire.strategy.ema_cross:EmaCross"

[[strategies]]
strategy = "tickwire.strategy.ema_cross:EmaCross"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.toml"
    path.write_text(CLUSTER)
    return path


def test_a_bad_cluster_file_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(CLUSTER + "[executor]\nretries = 3\n")
    code, _, err = run(capsys, "node", "executor", "--config", str(path))
    assert code == 2
    assert "unknown field `retries`" in err and "Traceback" not in err


def test_a_strategy_process_needs_its_name_when_there_are_several(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, _, err = run(capsys, "node", "strategy", "--config", str(config))
    assert code == 2
    assert "--name" in err and "EmaCross, EmaCross.2" in err
    code, _, err = run(capsys, "node", "strategy", "--config", str(config), "--name", "X")
    assert code == 2 and "no strategy 'X'" in err


def _beat(config: Path, name: str, state: str, age_s: float) -> None:
    cluster = load_cluster(config)
    now = time.time_ns()
    write_status(
        cluster.state_path,
        ProcessStatus(
            name=name,
            role=name,
            pid=os.getpid(),
            state=state,
            started_ns=now,
            beat_ns=now - int(age_s * 1e9),
            interval=1.0,
        ),
    )


def test_status_says_which_process_is_stale_or_missing(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    _beat(config, "gateway", "running", 0.1)
    _beat(config, "executor", "running", 10.0)
    _beat(config, "order-gateway", "stopped", 99.0)
    code, out, _ = run(capsys, "cluster", "status", str(config), "--json")
    assert code == 1
    records = {r["name"]: r for r in map(json.loads, out.splitlines())}
    assert records["gateway"]["stale"] is False
    assert records["executor"]["stale"] is True
    assert records["order-gateway"]["stale"] is False  # a stopped process beats no more
    assert records["EmaCross"]["state"] == "unknown"
    code, out, _ = run(capsys, "cluster", "status", str(config))
    assert code == 1
    assert "running (stale)" in out and "never" in out


def test_status_is_healthy_when_every_process_beats(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    for name in load_cluster(config).process_names():
        _beat(config, name, "running", 0.1)
    code, _, _ = run(capsys, "cluster", "status", str(config))
    assert code == 0


def test_keys_need_a_folder_in_the_file_and_never_overwrite(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, _, err = run(capsys, "cluster", "keys", str(config))
    assert code == 2 and "curve_keys" in err
    config.write_text(config.read_text().replace("[cluster]\n", '[cluster]\ncurve_keys = "k"\n'))
    code, out, _ = run(capsys, "cluster", "keys", str(config))
    assert code == 0 and "5 key pairs" in out  # no recorder in this file
    public = config.parent / "k" / "public"
    assert sorted(p.name for p in public.iterdir())[:2] == ["EmaCross.2.key", "EmaCross.key"]
    assert (config.parent / "k" / "secret").stat().st_mode & 0o077 == 0
    code, _, err = run(capsys, "cluster", "keys", str(config))
    assert code == 2 and "--replace" in err
    code, _, _ = run(capsys, "cluster", "keys", str(config), "--replace")
    assert code == 0
