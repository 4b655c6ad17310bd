"""``tickwire sweep``: the grid from the command line, JSON fields as backtest --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tickwire.data import sample_data_paths

from .helpers import run

EMA = "tickwire.strategy.ema_cross:EmaCross"


def test_json_has_every_point_with_the_fields_of_backtest_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = str(sample_data_paths()[0])
    code, out, err = run(capsys, "sweep", EMA, "--data", data, "--grid", "fast=5:15:5",
                         "--grid", "slow=20,40", "--workers", "1", "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    points = report["points"]
    assert [p["params"] for p in points][:2] == [{"fast": 5, "slow": 20}, {"fast": 5, "slow": 40}]
    assert len(points) == 6 and all(p["error"] is None for p in points)
    code, out, err = run(capsys, "backtest", EMA, "--data", data, "--param", "fast=10",
                         "--param", "slow=40", "--no-record", "--json")  # fmt: skip
    assert code == 0, err
    single = json.loads(out)
    same = next(p for p in points if p["params"] == {"fast": 10, "slow": 40})
    for key, value in single.items():
        if key not in ("wall_time_s", "bars_per_second"):
            assert same[key] == value, key
    best = max(points, key=lambda p: p["sharpe"])
    assert report["best"] == best["index"]
    assert 0.0 <= report["deflated_sharpe"] <= 1.0


def test_report_writes_the_sweep_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = str(sample_data_paths()[0])
    code, out, err = run(capsys, "sweep", EMA, "--data", data, "--grid", "fast=5,10",
                         "--grid", "slow=20,40", "--workers", "1", "--report", str(tmp_path),
                         "--heat-map", "slow,fast")  # fmt: skip
    assert code == 0, err
    page = tmp_path / "sweep.html"
    assert f"report: {page.resolve()}" in out
    text = page.read_text(encoding="utf-8")
    assert "sharpe over slow and fast" in text and "Top points" in text


def test_db_stores_every_point_under_one_sweep_id(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    data = str(sample_data_paths()[0])
    db = f"memory://{request.node.nodeid}"
    code, out, err = run(capsys, "sweep", EMA, "--data", data, "--grid", "fast=5,10,0",
                         "--workers", "1", "--db", db, "--json")  # fmt: skip
    assert code == 0, err
    swept = json.loads(out)
    sweep_id = swept["sweep_id"]
    code, out, err = run(capsys, "runs", "list", "--db", db, "--json")
    assert code == 0, err
    runs = json.loads(out)
    assert len(runs) == 3 and {r["sweep_id"] for r in runs} == {sweep_id}
    by_fast = {r["parameters"]["fast"]: r for r in runs}
    assert by_fast[0]["status"] == "failed" and "fast" in by_fast[0]["error"]
    for point in swept["points"]:
        stored = by_fast[point["params"]["fast"]]
        assert stored["sweep_point"] == point["index"]
        if point["error"] is None:
            assert stored["status"] == "finished" and stored["sharpe"] == point["sharpe"]
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--sweep", sweep_id[:8], "--json")
    assert len(json.loads(out)) == 3
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--sweep", "nope", "--json")
    assert json.loads(out) == []


def test_the_table_shows_the_best_points(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(sample_data_paths()[0])
    code, out, err = run(capsys, "sweep", EMA, "--data", data, "--grid", "fast=5,10",
                         "--workers", "1", "--top", "1", "--metric", "total_return")  # fmt: skip
    assert code == 0, err
    assert "best 1 of 2 points by total_return" in out
    assert "deflated Sharpe ratio of the best point" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--grid", "fsat=5"), "no parameter 'fsat'"),
        (("--grid", "fast=5:1:1"), "STOP is below START"),
        (("--grid", "fast=5", "--scheduler", "tcp://127.0.0.1:1"), "--scheduler needs"),
        (("--grid", "fast=5", "--walk-forward", "2y"), "TRAIN:TEST"),
        (("--grid", "fast=5", "--heat-map", "fast"), "give two parameters, X,Y"),
        (("--grid", "fast=5", "--heat-map", "fast,slwo"), "slwo not in --grid (fast)"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    data = str(sample_data_paths()[0])
    code, _, err = run(capsys, "sweep", EMA, "--data", data, "--workers", "1", *args)
    assert code == 2
    assert message in err and "Traceback" not in err
