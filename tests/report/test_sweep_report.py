"""The sweep report: heat map, distribution, top points, failures, walk-forward."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tickwire import ConfigError
from tickwire.data import synthetic_bars
from tickwire.report import write_sweep_report
from tickwire.strategy.ema_cross import EmaCross
from tickwire.sweep import Sweep, SweepResult, walk_forward

GRID = {"fast": [5, 10, 15], "slow": [30, 60], "quantity": [10, 20]}


@pytest.fixture(scope="module")
def result() -> SweepResult:
    return Sweep(EmaCross, synthetic_bars(2_000, seed=5), grid=GRID, workers=1).run()


def _plots(page: str) -> dict[str, list[dict[str, object]]]:
    """Each chart's data, as the page hands it to plotly."""
    found = re.findall(r'Plotly\.newPlot\("([^"]+)", (\[.*?\]), \{', page)
    return {key: json.loads(data) for key, data in found}


def test_the_heat_map_shows_the_best_metric_over_the_other_parameters(
    result: SweepResult, tmp_path: Path
) -> None:
    page = write_sweep_report(result, tmp_path).read_text(encoding="utf-8")
    (heat,) = _plots(page)["heatmap"]
    assert heat["x"] == ["5", "10", "15"] and heat["y"] == ["30", "60"]
    for row, slow in zip(heat["z"], (30, 60), strict=True):  # type: ignore[call-overload]
        for cell, fast in zip(row, (5, 10, 15), strict=True):
            best = max(
                p.summary["sharpe"]
                for p in result
                if p.params["fast"] == fast and p.params["slow"] == slow
            )
            assert cell == pytest.approx(best)
    assert "Each cell is the best sharpe over quantity." in page


def test_the_axes_can_be_chosen_and_must_vary(result: SweepResult, tmp_path: Path) -> None:
    page = write_sweep_report(result, tmp_path, axes=("quantity", "fast")).read_text("utf-8")
    (heat,) = _plots(page)["heatmap"]
    assert heat["x"] == ["10", "20"] and heat["y"] == ["5", "10", "15"]
    with pytest.raises(ConfigError, match="'cash' is not a parameter that varies"):
        write_sweep_report(result, tmp_path, axes=("cash", "fast"))


def test_distribution_top_points_and_deflated_sharpe(result: SweepResult, tmp_path: Path) -> None:
    page = write_sweep_report(result, tmp_path).read_text(encoding="utf-8")
    (histogram,) = _plots(page)["histogram"]
    assert sorted(histogram["x"]) == sorted(p.summary["sharpe"] for p in result)  # type: ignore[type-var]
    assert f"The best {len(result)} of {len(result)} points by sharpe." in page
    best = result.best
    assert best is not None
    assert f"fast={best.params['fast']}, slow={best.params['slow']}" in page
    assert "Deflated Sharpe" in page and 'src="http' not in page  # works offline


def test_failed_points_are_listed_with_their_error(tmp_path: Path) -> None:
    broken = Sweep(EmaCross, synthetic_bars(500, seed=5), grid={"fast": [0, 5]}, workers=1).run()
    page = write_sweep_report(broken, tmp_path).read_text(encoding="utf-8")
    assert "Failed points (1)" in page and "fast=0" in page


def test_walk_forward_compares_in_and_out_of_sample(tmp_path: Path) -> None:
    bars = synthetic_bars(8_000, seed=9, interval="1h")
    grid = {"fast": [5, 10], "slow": [30, 60]}
    wf = walk_forward(Sweep(EmaCross, bars, grid=grid, workers=1), "120d", "60d")
    page = write_sweep_report(wf, tmp_path).read_text(encoding="utf-8")
    assert "Walk-forward: in-sample against out-of-sample" in page
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d) to", page)
    assert len(rows) == len(wf.windows) > 1
    assert "Stitched out-of-sample equity" in page
    assert f"walk-forward over {len(wf.windows)} windows" in page
