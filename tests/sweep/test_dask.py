"""The dask engine against a real scheduler and real worker processes on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tickwire.data import synthetic_bars
from tickwire.strategy.ema_cross import EmaCross
from tickwire.sweep import Sweep

pytest.importorskip("distributed")

_START_TIMEOUT_S = 60.0


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {_START_TIMEOUT_S:.0f} s")
        time.sleep(0.1)  # polling a process we do not control: there is no event to wait on


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    common = ["--no-dashboard"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--scheduler-file", str(info), *common],
            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        _wait_for(info.exists, "the dask scheduler")
        address = json.loads(info.read_text())["address"]
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
                 "--nthreads", "1", "--host", "127.0.0.1", *common],
                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        from distributed import Client

        with Client(address, timeout=_START_TIMEOUT_S) as client:
            client.wait_for_workers(2, timeout=_START_TIMEOUT_S)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_dask_cluster_gives_the_results_of_local_processes(scheduler: str) -> None:
    bars = synthetic_bars(5_000, seed=4, gap_probability=0.2)
    grid = {"fast": [5, 10, 15], "slow": [30, 50]}
    local = Sweep(EmaCross, bars, grid=grid, workers=1).run()
    remote = Sweep(EmaCross, bars, grid=grid, engine="dask", scheduler=scheduler).run()
    assert [p.params for p in remote] == [p.params for p in local]
    for a, b in zip(local, remote, strict=True):
        timing = {k: b.summary[k] for k in ("wall_time_s", "bars_per_second")}
        assert {**a.summary, **timing} == b.summary


def test_a_strategy_file_is_loaded_by_the_dask_workers(scheduler: str, tmp_path: Path) -> None:
    path = tmp_path / "flat.py"
    path.write_text(
        "from tickwire import Strategy\n\n\n"
        "class Flat(Strategy):\n"
        "    size: float = 1.0\n\n"
        "    def on_bar(self, bar):\n"
        "        if self.position() == 0:\n"
        "            self.buy(self.size)\n"
    )
    result = Sweep(f"{path}:Flat", synthetic_bars(500, seed=1), grid={"size": [1.0, 2.0]},
                   engine="dask", scheduler=scheduler).run()  # fmt: skip
    assert [p.ok for p in result] == [True, True]
    assert [p.summary["fills"] for p in result] == [1, 1]
