"""``tickwire backtest --replay RUN``: a recorded run's market data backtested again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tickwire.data import sample_data_paths

from .helpers import run

EMA = "tickwire.strategy.ema_cross:EmaCross"


def test_a_replayed_run_gives_the_fills_of_the_original(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "tw.db")
    data = str(sample_data_paths()[0])
    code, out, err = run(
        capsys, "backtest", EMA, "--data", data, "--db", db, "--json", "--fills-out", "a.csv"
    )
    assert code == 0, err
    original = json.loads(out)
    code, out, err = run(
        capsys, "backtest", EMA, "--replay", original["run_id"][:8], "--db", db, "--json",
        "--fills-out", "b.csv",
    )  # fmt: skip
    assert code == 0, err
    replayed = json.loads(out)
    assert replayed["run_id"] != original["run_id"]  # recorded as a run of its own
    assert (replayed["bars"], replayed["fills"]) == (original["bars"], original["fills"])
    assert Path("b.csv").read_bytes() == Path("a.csv").read_bytes()
    code, out, _ = run(capsys, "runs", "show", replayed["run_id"], "--db", db)
    assert json.loads(out)["data_sources"] == [f"run {original['run_id']} in {db}"]


def test_data_or_replay_but_one_of_them(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "backtest", EMA)
    assert code == 2 and "either --data FILE (repeatable) or --replay RUN" in err
    db = str(tmp_path / "tw.db")
    data = str(sample_data_paths()[0])
    code, _, err = run(capsys, "backtest", EMA, "--data", data, "--replay", "abc", "--db", db)
    assert code == 2 and "either --data" in err
    code, _, err = run(capsys, "backtest", EMA, "--replay", "abc", "--db", db)
    assert code == 2 and "does not exist" in err  # a read of a store that is not there
    run(capsys, "backtest", EMA, "--data", data, "--db", db)
    code, _, err = run(capsys, "backtest", EMA, "--replay", "zzz", "--db", db)
    assert code == 2 and "no recorded run matches 'zzz'" in err


def test_a_replay_without_recording_reads_the_store_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "tw.db")
    data = str(sample_data_paths()[0])
    code, out, err = run(capsys, "backtest", EMA, "--data", data, "--db", db, "--json")
    assert code == 0, err
    original = json.loads(out)
    code, out, err = run(
        capsys, "backtest", EMA, "--replay", original["run_id"], "--db", db, "--no-record",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    replayed = json.loads(out)
    assert (replayed["bars"], replayed["fills"]) == (original["bars"], original["fills"])
    code, out, _ = run(capsys, "runs", "list", "--db", db, "--json")
    assert code == 0 and len(json.loads(out)) == 1  # nothing recorded by the replay
