"""Replaying a recorded run's market data through the same strategy reproduces its fills."""

from __future__ import annotations

from pathlib import Path

from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import Bar, Fill
from tickwire.persistence import Recorder, open_store
from tickwire.strategy.ema_cross import EmaCross


def test_replayed_bars_reproduce_the_recorded_fills(tmp_path: Path) -> None:
    store = open_store(tmp_path / "runs.db")
    engine = Backtest(EmaCross, synthetic_bars(5_000, seed=9, gap_probability=0.3))
    with Recorder(store, strategy="EmaCross").attach(engine.bus) as recorder:
        original = engine.run()
    assert len(original.fills) > 10

    recorded_fills = list(store.iter_events(recorder.run_id, types=[Fill]))
    replayed_bars = list(store.iter_events(recorder.run_id, types=[Bar]))
    assert len(replayed_bars) == 5_000
    replayed = Backtest(EmaCross, replayed_bars).run()

    def key(fill: Fill) -> tuple[object, ...]:
        return (fill.ts_event_ns, fill.order_id, fill.side, fill.quantity, fill.price)

    assert [key(f) for f in replayed.fills] == [key(f) for f in original.fills]
    assert [key(f) for f in recorded_fills] == [key(f) for f in original.fills]
