"""``tickwire backtest --report``: the run's id and the annualisation reach the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tickwire.data import sample_data_paths

from .helpers import run

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "ema_cross.py") + ":EmaCross"


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
