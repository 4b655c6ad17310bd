"""The backtest run: ordering, determinism, threaded equivalence, results."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import Bar, EventBase, Fill
from tickwire.portfolio import Portfolio
from tickwire.strategy import Strategy
from tickwire.strategy.ema_cross import EmaCross


def digest(run: Backtest) -> Any:
    """Subscribe a digest of every event (minus wall-clock stamps) to the run's bus."""
    h = hashlib.sha256()

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "ts_created_ns"}
        return value

    def feed(event: EventBase) -> None:
        h.update(msgspec.msgpack.encode(strip(msgspec.to_builtins(event))))

    run.bus.subscribe_all(feed, priority=1_000)
    return h


def test_same_inputs_give_the_same_event_log() -> None:
    bars = list(synthetic_bars(5_000, seed=3, gap_probability=0.3))
    first, second = Backtest(EmaCross, bars), Backtest(EmaCross, bars)
    h1, h2 = digest(first), digest(second)
    r1, r2 = first.run(), second.run()
    assert len(r1.fills) > 10
    assert h1.hexdigest() == h2.hexdigest()
    assert r1.statistics == r2.statistics


def test_threaded_mode_gives_identical_fills() -> None:
    bars = list(synthetic_bars(2_000, seed=11, gap_probability=0.3))
    sync = Backtest(EmaCross, bars).run()
    threaded = Backtest(EmaCross, bars, mode="threaded").run()
    assert len(sync.fills) > 5
    assert [(f.ts_event_ns, f.side, f.quantity, f.price) for f in threaded.fills] == [
        (f.ts_event_ns, f.side, f.quantity, f.price) for f in sync.fills
    ]
    assert threaded.final_equity == sync.final_equity


def test_order_per_bar_broker_then_portfolio_then_strategy() -> None:
    log: list[str] = []

    class Probe(Strategy):
        def on_bar(self, bar: Bar) -> None:
            log.append(f"strategy:{bar.close:g}:pos={self.position():g}")
            if bar.close == 1:
                self.buy(1)

        def on_fill(self, fill: Fill) -> None:
            log.append(f"fill:{fill.price:g}")

    bars = [
        Bar(ts_event_ns=i, instrument="X", open=o, high=o + 1, low=o - 0.5, close=c)
        for i, (o, c) in enumerate([(1, 1), (5, 6), (7, 8)], start=1)
    ]
    result = Backtest(Probe, bars).run()
    # The order sent on bar 1 fills at bar 2's open, before the strategy sees bar 2.
    assert log == ["strategy:1:pos=0", "fill:5", "strategy:6:pos=1", "strategy:8:pos=1"]
    assert [f.price for f in result.fills] == [5.0]
    assert result.bars == 3


def test_result_frames_and_event_sourcing() -> None:
    bars = list(synthetic_bars(3_000, seed=5, gap_probability=0.3))
    result = Backtest(EmaCross, bars, cash=1_000_000).run()
    assert len(result.fills_df()) == len(result.fills) > 0
    assert len(result.equity_df()) == 3_000
    assert len(result.trades_df()) == len(result.trades)
    summary = result.summary()
    assert summary["bars"] == 3_000 and summary["fills"] == len(result.fills)
    rebuilt = Portfolio.replay(result.fills, 1_000_000)
    assert rebuilt.cash == result.portfolio.cash
    assert rebuilt.quantity(bars[0].instrument) == result.portfolio.quantity(bars[0].instrument)


def test_emitted_signals_become_orders_once_and_reach_the_strategy() -> None:
    from tickwire.events import OrderUpdate, Side
    from tickwire.execution import FixedQuantity

    updates: list[OrderUpdate] = []

    class Signaller(Strategy):
        def on_bar(self, bar: Bar) -> None:
            if bar.close == 1:
                self.emit_signal(Side.BUY, bar.close, quantity=1, confidence=0.9)

        def on_order(self, update: OrderUpdate) -> None:
            updates.append(update)

    bars = [
        Bar(ts_event_ns=i, instrument="X", open=c, high=c, low=c, close=c)
        for i, c in enumerate([1.0, 2.0, 3.0], start=1)
    ]
    result = Backtest(Signaller, bars, sizer=FixedQuantity(5)).run()
    assert [(f.quantity, f.price) for f in result.fills] == [(5.0, 2.0)]
    assert result.fills[0].signal_id == "Signaller-S1"
    assert [type(u).__name__ for u in updates][-1] == "OrderFilled"


def test_multi_instrument_run_merges_files_and_trades_each() -> None:
    from tickwire.data import sample_data_paths

    class PerInstrument(Strategy):
        def on_start(self) -> None:
            self.models = {}

        def on_bar(self, bar: Bar) -> None:
            model = self.models.setdefault(bar.instrument, EmaCross())
            if not hasattr(model, "fast_ema"):
                model.on_start()
            fast = model.fast_ema.update(bar.close)
            slow = model.slow_ema.update(bar.close)
            held = self.position(bar.instrument)
            if fast > slow and held == 0:
                self.buy(10, bar.instrument)
            elif fast < slow and held > 0:
                self.sell(held, bar.instrument)

    paths = sample_data_paths()
    result = Backtest(PerInstrument, paths, cash=1_000_000).run()
    traded = {f.instrument for f in result.fills}
    assert traded == {"ACME", "GLOBEX"}
    assert result.bars == 4_000
    # One equity point per distinct timestamp, not per bar.
    timestamps = list(result.portfolio.curve.timestamps)
    assert timestamps == sorted(set(timestamps))
    assert len(timestamps) < 4_000
