"""A live node: the lifecycle loop around real websocket feeds and in-memory data clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import ServerConnection

from tickwire.bus import EventBus
from tickwire.events import Bar, LifecycleEvent, LifecycleState, OrderCancelled, encode_json
from tickwire.live import WebSocketFeed
from tickwire.node import Node, NodeConfig, NodeStatus
from tickwire.strategy import Strategy

from ..live.server import FeedServer

MINUTE = 60 * 1_000_000_000
S = LifecycleState


def bar(n: int, instrument: str = "ACME") -> Bar:
    price = 100.0 + n % 7
    return Bar(
        ts_event_ns=n * MINUTE, instrument=instrument, open=price, high=price + 1,
        low=price - 1, close=price, volume=1_000.0, interval="1m",
    )  # fmt: skip


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(main(), 60))


class Trader(Strategy):
    """Buys one on every bar it sees (market orders, filled on the next bar)."""

    def on_start(self) -> None:
        self.bars = 0

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        self.buy(1)


class FailsAt(Trader):
    """Places a far limit order (it stays working), then raises on its ``at``-th bar."""

    at: int = 5

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars == 1:
            from tickwire.events import OrderType

            self.buy(1, order_type=OrderType.LIMIT, limit_price=1.0)
        if self.bars == self.at:
            raise RuntimeError("strategy bug")


class Client:
    """An in-memory data client (the port's test implementation): publishes given bars
    when started, and can be told to take long to start."""

    def __init__(
        self, name: str, bus: EventBus, log: list[str], *, start_delay: float = 0.0
    ) -> None:
        self.name = name
        self.bus = bus
        self.log = log
        self.start_delay = start_delay
        self.stopped = asyncio.Event()

    async def start(self) -> None:
        self.log.append(f"start {self.name}")
        await asyncio.sleep(self.start_delay)

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")
        self.stopped.set()


def lifecycle_of(bus: EventBus) -> list[tuple[str, S]]:
    seen: list[tuple[str, S]] = []
    bus.subscribe(LifecycleEvent, lambda e: seen.append((e.component, e.state)))
    return seen


def when_running(bus: EventBus, component: str) -> asyncio.Event:
    """Set once ``component`` publishes that it runs (the strategies start last, after
    the feeds: a server that sent at once would send before they listen)."""
    running = asyncio.Event()

    def on_lifecycle(event: LifecycleEvent) -> None:
        if event.component == component and event.state is S.RUNNING:
            running.set()

    bus.subscribe(LifecycleEvent, on_lifecycle)
    return running


def feed_session(
    bars: list[Bar], ready: asyncio.Event
) -> Callable[[ServerConnection, int], Awaitable[None]]:
    """Send ``bars`` once ``ready`` is set, then close the connection."""

    async def session(connection: ServerConnection, number: int) -> None:
        await ready.wait()
        for item in bars:
            await connection.send(encode_json(item).decode())

    return session


def test_one_strategy_fails_the_other_goes_on_and_the_outcome_is_failed() -> None:
    bars = [bar(n) for n in range(1, 41)]

    async def main() -> tuple[Any, Node, Trader, FailsAt, list[tuple[str, S]]]:
        bus = EventBus()
        server = FeedServer(feed_session(bars, when_running(bus, "FailsAt")))
        await server.start()
        feed = WebSocketFeed("feed", server.url, bus, reconnect=False)
        good, bad = Trader(), FailsAt(at=5)
        node = Node([good, bad], feeds=[feed], bus=bus)
        states = lifecycle_of(bus)
        outcome = await node.run_async()  # ends when the feed has ended
        await server.stop()
        return outcome, node, good, bad, states

    outcome, node, good, bad, states = run(main)
    assert outcome.status == NodeStatus.FAILED and outcome.exit_code == 1
    assert outcome.failed == ("FailsAt",)
    assert "strategy FailsAt failed: RuntimeError: strategy bug" in outcome.failure
    assert good.bars == 40  # the other strategy saw every bar
    assert bad.bars == 5  # the failing one nothing after its failure
    assert ("FailsAt", S.FAILED) in states and ("Trader", S.STOPPED) in states
    # Its working limit order was cancelled; the other strategy's orders went on filling.
    cancelled = [u for u in node.orders.by_order.values() if isinstance(u, OrderCancelled)]
    assert [u.order_id for u in cancelled] == ["FailsAt-1"]
    own = {s.name: s for s in outcome.strategies}
    assert own["Trader"].fills == 39 and own["FailsAt"].fills == 0
    assert own["FailsAt"].errors == 1 and own["FailsAt"].state == "FAILED"
    [error] = [e for e in outcome.errors if e.error == "strategy bug"]
    assert 'raise RuntimeError("strategy bug")' in error.traceback


def test_with_continue_the_failing_strategy_keeps_running() -> None:
    bars = [bar(n) for n in range(1, 21)]

    class FailsOften(Trader):
        def on_bar(self, bar: Bar) -> None:
            super().on_bar(bar)
            if self.bars % 5 == 0:
                raise RuntimeError("again")

    async def main() -> tuple[Any, FailsOften]:
        bus = EventBus()
        server = FeedServer(feed_session(bars, when_running(bus, "Trader")))
        await server.start()
        feed = WebSocketFeed("feed", server.url, bus, reconnect=False)
        strategy = FailsOften()
        config = NodeConfig(on_error="continue")  # type: ignore[arg-type]
        outcome = await Node([strategy, Trader()], feeds=[feed], bus=bus, config=config).run_async()
        await server.stop()
        return outcome, strategy

    outcome, strategy = run(main)
    assert strategy.bars == 20
    assert outcome.status == NodeStatus.FINISHED_WITH_ERRORS and outcome.exit_code == 1
    assert len(outcome.errors) == 4 and not outcome.failed


def test_components_start_in_order_and_stop_in_reverse() -> None:
    log: list[str] = []

    class Logged(Strategy):
        def on_start(self) -> None:
            log.append(f"start {self.strategy_name}")

        def on_stop(self) -> None:
            log.append(f"stop {self.strategy_name}")

    async def main() -> tuple[Any, list[tuple[str, S]]]:
        bus = EventBus()
        states = lifecycle_of(bus)
        node = Node(
            [Logged(), Logged()],
            feeds=[Client("a", bus, log), Client("b", bus, log)],
            bus=bus,
            config=NodeConfig(duration=0.05),
        )
        return await node.run_async(), states

    outcome, states = run(main)
    assert outcome.status == NodeStatus.STOPPED and outcome.stopped_by == "duration"
    assert outcome.exit_code == 0
    assert log == [
        "start a", "start b", "start Logged", "start Logged.2",
        "stop Logged.2", "stop Logged", "stop b", "stop a",
    ]  # fmt: skip
    assert states == [
        ("execution", S.STARTING), ("execution", S.RUNNING),
        ("a", S.STARTING), ("a", S.RUNNING), ("b", S.STARTING), ("b", S.RUNNING),
        ("Logged", S.STARTING), ("Logged", S.RUNNING),
        ("Logged.2", S.STARTING), ("Logged.2", S.RUNNING),
        ("Logged.2", S.STOPPING), ("Logged.2", S.STOPPED),
        ("Logged", S.STOPPING), ("Logged", S.STOPPED),
        ("b", S.STOPPING), ("b", S.STOPPED), ("a", S.STOPPING), ("a", S.STOPPED),
        ("execution", S.STOPPING), ("execution", S.STOPPED),
    ]  # fmt: skip


def test_a_component_that_does_not_start_in_time_fails_the_node_closed() -> None:
    log: list[str] = []

    class Never(Strategy):
        def on_start(self) -> None:
            log.append("strategy started")

    async def main() -> tuple[Any, list[tuple[str, S]]]:
        bus = EventBus()
        states = lifecycle_of(bus)
        slow = Client("slow", bus, log, start_delay=30)
        node = Node(
            Never(),
            feeds=[Client("quick", bus, log), slow],
            bus=bus,
            config=NodeConfig(start_timeout=0.05),
        )
        return await node.run_async(), states

    outcome, states = run(main)
    assert outcome.status == NodeStatus.FAILED and outcome.exit_code == 1
    assert outcome.failure == "data client 'slow' did not start within 0.05 s"
    assert "strategy started" not in log  # strategies start only once the rest is up
    assert log == ["start quick", "start slow", "stop slow", "stop quick"]
    assert ("slow", S.FAILED) in states and ("quick", S.STOPPED) in states
    assert ("Never", S.STARTING) not in states
    [error] = outcome.errors
    assert (error.component, error.error_type) == ("slow", "TimeoutError")


def test_stop_from_another_thread() -> None:
    started = threading.Event()

    class Waits(Strategy):
        def on_start(self) -> None:
            started.set()

    bus = EventBus()
    node = Node(Waits(), feeds=[Client("c", bus, [])], bus=bus)
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.append(node.run()))
    runner.start()
    assert started.wait(10)
    node.stop()
    runner.join(10)
    assert not runner.is_alive()
    [outcome] = results
    assert outcome.status == NodeStatus.STOPPED and outcome.stopped_by == "stop()"


class RestsALimit(Strategy):
    """Places a buy limit far below the market on its first bar: it stays working."""

    def on_start(self) -> None:
        self.order_id = ""

    def on_bar(self, bar: Bar) -> None:
        if not self.order_id:
            from tickwire.events import OrderType

            self.order_id = self.buy(1, "ACME", order_type=OrderType.LIMIT, limit_price=1.0)


def run_then_stop(cancel_on_stop: bool, mode: str = "sync") -> tuple[Any, Node, RestsALimit]:
    async def main() -> tuple[Any, Node, RestsALimit]:
        bus = EventBus()
        strategy = RestsALimit()
        config = NodeConfig(cancel_on_stop=cancel_on_stop, mode=mode)  # type: ignore[arg-type]
        node = Node(strategy, feeds=[Client("c", bus, [])], bus=bus, config=config)
        running = when_running(bus, "RestsALimit")
        task = asyncio.create_task(node.run_async())
        await running.wait()
        for n in range(1, 4):
            bus.publish(bar(n))
        node.stop()
        return await task, node, strategy

    result: tuple[Any, Node, RestsALimit] = run(main)
    return result


def test_cancel_on_stop_cancels_the_working_orders() -> None:
    outcome, node, strategy = run_then_stop(cancel_on_stop=True)
    assert outcome.status == NodeStatus.STOPPED
    assert isinstance(node.orders.by_order[strategy.order_id], OrderCancelled)
    outcome, node, strategy = run_then_stop(cancel_on_stop=False)
    assert not isinstance(node.orders.by_order[strategy.order_id], OrderCancelled)
    assert node.working_orders(strategy) == [strategy.order_id]


def test_a_threaded_live_node_drains_its_queues_when_it_stops() -> None:
    outcome, node, strategy = run_then_stop(cancel_on_stop=True, mode="threaded")
    assert outcome.status == NodeStatus.STOPPED
    # The cancellation went through the broker's thread before the node was done.
    assert isinstance(node.orders.by_order[strategy.order_id], OrderCancelled)
    assert all(depth == 0 for depth in node.bus.get_stats()["queue_depths"].values())


def test_the_same_strategy_live_fills_as_in_the_backtest() -> None:
    from tickwire.backtest import Backtest
    from tickwire.data import synthetic_bars
    from tickwire.strategy.ema_cross import EmaCross

    bars = list(synthetic_bars(400, seed=11, gap_probability=0.3, instrument="ACME"))
    expected = Backtest(EmaCross, bars).run().fills
    assert len(expected) > 5

    async def main() -> Node:
        bus = EventBus()
        server = FeedServer(feed_session(bars, when_running(bus, "EmaCross")))
        await server.start()
        feed = WebSocketFeed("feed", server.url, bus, reconnect=False)
        node = Node(EmaCross(), feeds=[feed], bus=bus)
        await node.run_async()
        await server.stop()
        return node

    node: Node = run(main)
    key = [(f.order_id, f.ts_event_ns, f.side, f.price, f.quantity) for f in expected]
    assert [(f.order_id, f.ts_event_ns, f.side, f.price, f.quantity) for f in node.fills] == key
