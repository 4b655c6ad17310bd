"""``tickwire backtest --report``: the run's id and the annualisation reach the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tickwire.data import sample_data_paths

from .helpers import run

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "ema_cross_plotted.py") + ":EmaCross"


def test_periods_per_year_and_run_id_are_on_the_report(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = str(sample_data_paths()[0])
    args = ("backtest", EXAMPLE, "--data", data, "--report", "rep", "--json")
    code, out, _ = run(capsys, *args, "--periods-per-year", "252")
    assert code == 0
    summary = json.loads(out)
    html = Path("rep/report.html").read_text(encoding="utf-8")
    assert "annualised by \u221a252.0 periods per year (given)" in html
    assert summary["run_id"] in html
    assert "EMA(10)" in html and "EMA(30)" in html  # the example's plotted averages


def test_periods_per_year_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(sample_data_paths()[0])
    code, _, err = run(capsys, "backtest", EXAMPLE, "--data", data, "--periods-per-year", "0")
    assert code == 2
    assert "periods-per-year" in err


def test_a_position_open_at_the_end_is_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    strategy = tmp_path / "hold.py"
    strategy.write_text(
        "from tickwire.strategy import Strategy\n\n\n"
        "class Hold(Strategy):\n"
        "    def on_bar(self, bar):\n"
        "        if self.position() == 0:\n"
        "            self.buy(7)\n"
    )
    data = str(sample_data_paths()[0])
    code, out, _ = run(capsys, "backtest", f"{strategy}:Hold", "--data", data, "--no-record")
    assert code == 0
    assert "still open at the end: ACME +7 (marked to market)" in out
