"""Sweeps run normal backtests: same fills as a plain Backtest, failures reported per point,
every engine giving the same results."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tickwire import Backtest, ConfigError
from tickwire.data import synthetic_bars, write_bars_csv
from tickwire.strategy.ema_cross import EmaCross
from tickwire.sweep import Progress, Sweep
from tickwire.sweep import _data as sweep_data

GRID = {"fast": [5, 10], "slow": [20, 40]}


@pytest.fixture(scope="module")
def bars_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "ACME.csv"
    write_bars_csv(path, synthetic_bars(3_000, seed=3, gap_probability=0.2, decimals=4))
    return path


def test_every_point_has_the_fills_of_a_plain_backtest(bars_csv: Path) -> None:
    result = Sweep(EmaCross, bars_csv, grid=GRID, workers=1, keep_fills=True).run()
    assert [p.params for p in result] == [
        {"fast": 5, "slow": 20}, {"fast": 5, "slow": 40}, {"fast": 10, "slow": 20},
        {"fast": 10, "slow": 40},
    ]  # fmt: skip
    for point in result:
        plain = Backtest(EmaCross, str(bars_csv), params=point.params).run()
        assert point.fills is not None and len(point.fills) == len(plain.fills) > 0
        for ours, theirs in zip(point.fills, plain.fills, strict=True):
            assert (ours.ts_event_ns, ours.side, ours.quantity, ours.price) == (
                theirs.ts_event_ns, str(theirs.side), theirs.quantity, theirs.price,
            )  # fmt: skip
        assert point.summary == {**plain.summary(), **_timing(point.summary)}


def _timing(summary: dict[str, object]) -> dict[str, object]:
    return {k: summary[k] for k in ("wall_time_s", "bars_per_second")}


def test_two_local_processes_give_the_results_of_one(bars_csv: Path) -> None:
    inline = Sweep(EmaCross, bars_csv, grid=GRID, workers=1).run()
    pooled = Sweep(EmaCross, bars_csv, grid=GRID, workers=2).run()
    assert [p.params for p in pooled] == [p.params for p in inline]
    for a, b in zip(inline, pooled, strict=True):
        assert {**a.summary, **_timing(b.summary)} == b.summary
    assert pooled.best is not None and pooled.best.params == inline.best.params  # type: ignore[union-attr]


def test_a_failing_point_is_reported_and_the_sweep_goes_on(tmp_path: Path, bars_csv: Path) -> None:
    strategy = tmp_path / "fragile.py"
    strategy.write_text(
        textwrap.dedent("""
        from tickwire import Strategy

        class Fragile(Strategy):
            limit: int = 10

            def on_start(self) -> None:
                if self.limit < 0:
                    raise ValueError("limit must not be negative")
                self.seen = 0

            def on_bar(self, bar) -> None:
                self.seen += 1
    """)
    )
    result = Sweep(f"{strategy}:Fragile", bars_csv, grid={"limit": [5, -1, 7]}, workers=1).run()
    assert [p.ok for p in result] == [True, False, True]
    failed = result.failed[0]
    assert failed.params == {"limit": -1}
    assert failed.error.startswith("StrategyError: Fragile.on_start (")  # names the line
    assert failed.error.endswith("(limit=-1): limit must not be negative")
    assert failed.traceback is not None and "fragile.py" in failed.traceback


def test_the_data_is_read_once_per_worker(bars_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []
    original = sweep_data._read
    monkeypatch.setattr(sweep_data, "_loaded", {})
    monkeypatch.setattr(sweep_data, "_read", lambda spec: reads.append(spec) or original(spec))
    Sweep(EmaCross, bars_csv, grid=GRID, workers=1).run()
    assert len(reads) == 1


def test_ctrl_c_keeps_the_points_that_finished(bars_csv: Path) -> None:
    def stop_after_two(progress: Progress) -> None:
        if progress.done == 2:
            raise KeyboardInterrupt

    result = Sweep(EmaCross, bars_csv, grid=GRID, workers=1).run(progress=stop_after_two)
    assert result.interrupted
    assert len(result) == 2 and all(p.ok for p in result)


def test_progress_reports_the_best_so_far(bars_csv: Path) -> None:
    seen: list[Progress] = []
    result = Sweep(EmaCross, bars_csv, grid=GRID, workers=1, metric="total_return").run(
        progress=seen.append
    )
    assert [p.done for p in seen] == [1, 2, 3, 4] and seen[-1].total == 4
    assert seen[-1].best is not None and result.best is not None
    assert seen[-1].best.params == result.best.params
    returns = [p.summary["total_return"] for p in result]
    assert result.best.summary["total_return"] == max(returns)


def test_in_memory_bars_are_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError, match="cannot be shipped"):
        Sweep(EmaCross, list(synthetic_bars(10)), grid=GRID)
    with pytest.raises(ConfigError, match="--metric"):
        Sweep(EmaCross, synthetic_bars(10), grid=GRID, metric="luck")
    with pytest.raises(ConfigError, match="--scheduler needs"):
        Sweep(EmaCross, synthetic_bars(10), grid=GRID, scheduler="tcp://127.0.0.1:1")


def test_synthetic_data_travels_as_its_parameters() -> None:
    bars = synthetic_bars(2_000, seed=9, gap_probability=0.1)
    result = Sweep(EmaCross, bars, grid={"fast": [5]}, workers=2).run()
    plain = Backtest(EmaCross, synthetic_bars(2_000, seed=9, gap_probability=0.1),
                     params={"fast": 5}).run()  # fmt: skip
    assert result.points[0].summary["fills"] == len(plain.fills)
    assert result.points[0].summary["final_equity"] == plain.final_equity
