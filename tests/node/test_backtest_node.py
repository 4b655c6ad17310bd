"""A node running a backtest: several strategies, their own ids and records, timers."""

from __future__ import annotations

import pytest

from tickwire._exceptions import ConfigError, StrategyError
from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import Bar, Fill, Tick, TimerEvent
from tickwire.node import Node, NodeConfig, NodeStatus
from tickwire.strategy import Strategy
from tickwire.strategy.ema_cross import EmaCross

MINUTE = 60_000_000_000


class BuyEvery(Strategy):
    """Buys ``quantity`` every ``every`` bars of each of its instruments."""

    every: int = 10
    quantity: float = 1.0

    def on_start(self) -> None:
        self.seen = 0

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        if self.seen % self.every == 0:
            self.buy(self.quantity, bar.instrument)


class Ticker(Strategy):
    """Notes every timer and alert it gets, and the time the strategy sees then."""

    def on_start(self) -> None:
        self.fired: list[tuple[str, int, int]] = []
        self.set_timer("every5", 5 * MINUTE)
        self.set_alert("once", self._now_ns() + 7 * MINUTE + 1)

    def on_timer(self, event: TimerEvent) -> None:
        self.fired.append((event.name, event.ts_event_ns, self._now_ns()))


def two_instruments(n: int) -> list[Bar]:
    a = synthetic_bars(n, seed=1, instrument="AAA")
    b = synthetic_bars(n, seed=2, instrument="BBB")
    return sorted([*a, *b], key=lambda bar: (bar.ts_event_ns, bar.instrument))


def test_two_instances_of_one_class_get_their_own_ids_and_records() -> None:
    first, second = BuyEvery(every=10), BuyEvery(every=25, quantity=2.0)
    node = Node([first, second], data=two_instruments(500))
    outcome = node.run()
    assert outcome.status == NodeStatus.FINISHED
    assert (first.strategy_name, second.strategy_name) == ("BuyEvery", "BuyEvery.2")
    own = {s.name: s for s in outcome.strategies}
    # Each bar of each instrument counts: 1000 bars seen, one order per `every`.
    assert own["BuyEvery"].orders == 100 and own["BuyEvery.2"].orders == 40
    assert own["BuyEvery"].fills + own["BuyEvery.2"].fills == len(node.fills)
    ids = {fill.order_id for fill in node.fills}
    assert any(i.startswith("BuyEvery.2-") for i in ids)
    assert any(i.startswith("BuyEvery-") for i in ids)
    # One shared portfolio: the position is the sum of both strategies' buys.
    portfolio = node.portfolio
    assert portfolio is not None
    held = portfolio.quantity("AAA") + portfolio.quantity("BBB")
    assert held == pytest.approx(sum(f.quantity for f in node.fills))
    assert held == pytest.approx(1.0 * own["BuyEvery"].fills + 2.0 * own["BuyEvery.2"].fills)


def test_each_strategy_sees_only_its_own_fills() -> None:
    class Counting(BuyEvery):
        def on_start(self) -> None:
            super().on_start()
            self.mine: list[Fill] = []

        def on_fill(self, fill: Fill) -> None:
            self.mine.append(fill)

    a, b = Counting(every=7), Counting(every=11)
    Node([a, b], data=list(synthetic_bars(300, seed=4))).run()
    assert a.mine and b.mine
    assert all(f.order_id.startswith("Counting-") for f in a.mine)
    assert all(f.order_id.startswith("Counting.2-") for f in b.mine)


def test_several_strategies_in_a_backtest_with_distinct_results() -> None:
    engine = Backtest(
        [EmaCross(fast=5, slow=20), EmaCross(fast=10, slow=40)], list(synthetic_bars(3_000, seed=5))
    )
    result = engine.run()
    assert result.strategy == "EmaCross,EmaCross.2"
    records = engine.node.strategy_stats()
    assert records[0].fills > 0 and records[1].fills > 0
    assert records[0].fills + records[1].fills == len(result.fills)
    assert records[0].realized_pnl != records[1].realized_pnl


def test_one_strategy_in_a_node_fills_as_in_the_backtest() -> None:
    bars = list(synthetic_bars(3_000, seed=6))
    via_backtest = Backtest(EmaCross, bars).run()
    node = Node(EmaCross(), data=bars)
    node.run()
    assert [(f.order_id, f.price, f.quantity) for f in node.fills] == [
        (f.order_id, f.price, f.quantity) for f in via_backtest.fills
    ]


def test_clashing_names_are_refused() -> None:
    class A(Strategy):
        pass

    clash = A()
    clash.rename("A-x")
    with pytest.raises(ConfigError, match="clash"):
        Node([A(), clash], data=[])
    with pytest.raises(StrategyError, match="non-empty"):
        A().rename("")


def test_timers_fire_in_event_time_order_between_bars() -> None:
    bars = list(synthetic_bars(30, seed=7))  # one a minute
    first = bars[0].ts_event_ns
    strategy = Ticker()
    seen: list[object] = []
    node = Node(strategy, data=bars)
    node.bus.subscribe(Bar, lambda bar: seen.append(("bar", bar.ts_event_ns)))
    node.bus.subscribe(TimerEvent, lambda t: seen.append(("timer", t.ts_event_ns)))
    node.run()
    every5 = [f for f in strategy.fired if f[0] == "every5"]
    assert [ts for _, ts, _ in every5] == [first + k * 5 * MINUTE for k in range(1, 6)]
    # While a timer runs, the strategy's time is the time it was due.
    assert all(now == ts for _, ts, now in strategy.fired)
    assert [f for f in strategy.fired if f[0] == "once"] == [
        ("once", first + 7 * MINUTE + 1, first + 7 * MINUTE + 1)
    ]
    # A timer due at a bar's time fires before that bar; the alert between two bars.
    at5 = seen.index(("timer", first + 5 * MINUTE))
    assert seen[at5 + 1] == ("bar", first + 5 * MINUTE)
    alert = seen.index(("timer", first + 7 * MINUTE + 1))
    assert seen[alert - 1] == ("bar", first + 7 * MINUTE)
    assert seen[alert + 1] == ("bar", first + 8 * MINUTE)


def test_timers_are_the_same_every_run_and_in_threaded_mode() -> None:
    bars = list(synthetic_bars(200, seed=8))

    class TimedTrader(Strategy):
        def on_start(self) -> None:
            self.set_timer("trade", 7 * MINUTE)

        def on_timer(self, event: TimerEvent) -> None:
            if event.sequence % 2 == 0:
                self.buy(1)
            else:
                self.close()

    def fills(mode: str) -> list[tuple[str, int, float]]:
        node = Node(TimedTrader(), data=bars, config=NodeConfig(mode=mode))  # type: ignore[arg-type]
        node.run()
        return [(f.order_id, f.ts_event_ns, f.price) for f in node.fills]

    sync = fills("sync")
    assert len(sync) > 20
    assert fills("sync") == sync
    assert fills("threaded") == sync


def test_a_timer_needs_on_timer() -> None:
    class NoCallback(Strategy):
        def on_start(self) -> None:
            self.set_timer("t", MINUTE)

    with pytest.raises(StrategyError, match="override on_timer"):
        Node(NoCallback(), data=list(synthetic_bars(3))).run()


def test_a_backtest_on_quotes_fills_at_the_ask_and_the_bid() -> None:
    class QuoteTrader(Strategy):
        def on_tick(self, tick: Tick) -> None:
            if self.position() == 0:
                self.buy(1)
            else:
                self.close()

    ticks = [
        Tick(
            ts_event_ns=(k + 1) * 1_000,
            instrument="FX",
            bid=1.0 + k / 100,
            ask=1.01 + k / 100,
            bid_size=5,
            ask_size=5,
        )
        for k in range(6)
    ]
    strategy = QuoteTrader()
    strategy.instrument = "FX"
    engine = Backtest(strategy, ticks)
    result = engine.run()
    assert result.status == NodeStatus.FINISHED
    # Sent on quote k, filled on quote k+1: buys at its ask, sells at its bid.
    assert [(f.side.value, f.price) for f in result.fills][:2] == [("BUY", 1.02), ("SELL", 1.02)]


def test_a_failing_strategy_ends_a_backtest_and_is_the_one_marked_failed() -> None:
    class Breaks(BuyEvery):
        def on_bar(self, bar: Bar) -> None:
            super().on_bar(bar)
            if self.seen == 30:
                raise RuntimeError("boom")

    outcome = Node([BuyEvery(), Breaks()], data=list(synthetic_bars(100))).run()
    assert outcome.status == NodeStatus.FAILED and outcome.exit_code == 1
    assert outcome.failed == ("Breaks",)
    states = {s.name: (s.state, s.errors) for s in outcome.strategies}
    assert states == {"BuyEvery": ("STOPPED", 0), "Breaks": ("FAILED", 1)}
    assert 'raise RuntimeError("boom")' in outcome.errors[0].traceback


def test_several_strategies_fill_the_same_in_threaded_mode() -> None:
    bars = two_instruments(300)

    def fills(mode: str) -> list[tuple[str, int, float]]:
        config = NodeConfig(mode=mode)  # type: ignore[arg-type]
        node = Node([BuyEvery(every=3), BuyEvery(every=5)], data=bars, config=config)
        assert node.run().status == NodeStatus.FINISHED
        return [(f.order_id, f.ts_event_ns, f.price) for f in node.fills]

    sync = fills("sync")
    assert len(sync) > 100
    assert fills("threaded") == sync
