"""The tickwire command: demo, backtest, runs, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tickwire.cli import main
from tickwire.data import sample_data_paths, synthetic_bars, write_bars_csv


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_demo_records_and_writes_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo", "--report", "rep")
    assert code == 0, err
    assert "EmaCross" in out and "tickwire.db" in out
    assert Path("rep/report.html").is_file() and Path("rep/equity.png").is_file()
    code, out, _ = run(capsys, "runs", "list")
    assert code == 0 and "EmaCross" in out and "finished" in out


def test_backtest_json_fills_out_and_export(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(sample_data_paths()[0])
    code, out, err = run(
        capsys,
        "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", data,
        "--param", "fast=5", "--commission", "percent:0.1", "--slippage", "bps:2",
        "--json", "--fills-out", "fills.csv",
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["bars"] == 2000 and summary["fills"] > 0
    with open("fills.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["ts", "instrument", "side", "quantity", "price", "order_id"]
    assert len(rows) == summary["fills"]
    assert rows[0]["ts"].endswith("+00:00")

    code, out, _ = run(capsys, "runs", "show", summary["run_id"][:10])
    assert code == 0 and json.loads(out)["parameters"]["fast"] == 5
    code, out, _ = run(
        capsys, "runs", "export", summary["run_id"], "--what", "fills", "--out", "x.csv"
    )
    assert code == 0 and f"wrote {summary['fills']} fills" in out


def test_strategy_from_a_file_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    strategy = tmp_path / "mine.py"
    strategy.write_text(
        "from tickwire.strategy import Strategy\n"
        "class BuyOnce(Strategy):\n"
        "    quantity: float = 1\n"
        "    def on_bar(self, bar):\n"
        "        if self.position() == 0:\n"
        "            self.buy(self.quantity)\n"
    )
    bars = tmp_path / "bars.csv"
    write_bars_csv(bars, synthetic_bars(100, seed=1))
    code, out, err = run(
        capsys, "backtest", f"{strategy}:BuyOnce", "--data", str(bars), "--json", "--no-record"
    )
    assert code == 0, err
    assert json.loads(out)["fills"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.py:X"], "strategy file not found: nope.py"),
        (["tickwire.strategy.ema_cross:Nope"], "has no class 'Nope'"),
        (["tickwire.strategy.ema_cross"], "must look like"),
        (["tickwire.strategy.ema_cross:EmaCross", "--param", "fsat=3"], "no parameter 'fsat'"),
        (["tickwire.strategy.ema_cross:EmaCross", "--param", "fast=x"], "must be int"),
        (["tickwire.strategy.ema_cross:EmaCross", "--commission", "weird:1"], "kind must be"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    data = str(sample_data_paths()[0])
    code, _, err = run(capsys, "backtest", *args, "--data", data)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_data_names_file_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    Path("bad.csv").write_text(
        "ts,open,high,low,close,volume\n2020-01-01,1,2,0.5,1,10\n2020-01-02,1,0.2,0.5,1,10\n"
    )
    code, _, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "bad.csv"
    )
    assert code == 2
    assert "bad.csv, line 3, column 'high'" in err
    with pytest.raises(Exception, match="high"):
        main(["--debug", "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "bad.csv"])


def test_missing_data_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "missing.csv"
    )
    assert code == 2 and "data file not found: missing.csv" in err
