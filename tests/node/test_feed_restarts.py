"""A live node whose feed server is killed and restarted 20 times: the strategy goes on."""

from __future__ import annotations

import asyncio

from websockets.asyncio.server import ServerConnection

from tickwire.events import (
    Bar,
    FeedGap,
    FeedState,
    FeedStatus,
    Fill,
    LifecycleState,
    encode_json,
)
from tickwire.live import Backoff, WebSocketFeed
from tickwire.node import Node, NodeStatus
from tickwire.strategy import Strategy

from ..live.server import FeedServer, first_request

MINUTE = 60 * 1_000_000_000
ROUNDS = 20
PER_ROUND = 10


class CountsAndTrades(Strategy):
    """Keeps every bar's number and buys one on every fifth bar."""

    def on_start(self) -> None:
        self.seen: list[int] = []

    def on_bar(self, bar: Bar) -> None:
        self.seen.append(bar.ts_event_ns // MINUTE)
        if len(self.seen) % 5 == 0:
            self.buy(1)


def numbered(n: int) -> str:
    bar = Bar(
        ts_event_ns=n * MINUTE, instrument="ACME", open=100.0, high=101.0, low=99.0,
        close=100.0 + n % 3 * 0.5, volume=1_000.0, interval="1m",
    )  # fmt: skip
    return f'{{"seq": {n}, "event": {encode_json(bar).decode()}}}'


def test_the_strategy_trades_on_through_twenty_server_restarts() -> None:
    # Each session resends the last message of the one before (a duplicate), and every
    # fourth one skips two numbers (a gap of two).
    plan: list[list[int]] = []
    gaps: list[tuple[int, int]] = []
    last = -1
    for r in range(ROUNDS):
        start = last + 1
        if r % 4 == 3:
            gaps.append((start, start + 1))
            start += 2
        plan.append([*([last] if last >= 0 else []), *range(start, start + PER_ROUND)])
        last = start + PER_ROUND - 1
    expected = sorted({n for session in plan for n in session})

    async def main() -> tuple[Node, CountsAndTrades, list[FeedGap], list[Fill], FeedServer]:
        strategy = CountsAndTrades()
        node = Node(strategy, name="restarts")
        reported: list[FeedGap] = []
        fills: list[Fill] = []
        node.bus.subscribe(FeedGap, reported.append)
        node.bus.subscribe(Fill, fills.append)
        round_done = asyncio.Event()
        target = [plan[0][-1]]

        def on_bar(bar: Bar) -> None:
            if bar.ts_event_ns // MINUTE == target[0]:
                round_done.set()

        node.bus.subscribe(Bar, on_bar)
        refused = asyncio.Event()

        def on_status(status: FeedStatus) -> None:
            if status.state == FeedState.DISCONNECTED and status.detail.startswith("cannot"):
                refused.set()

        node.bus.subscribe(FeedStatus, on_status)

        async def session(connection: ServerConnection, number: int) -> None:
            await first_request(connection, server)
            for n in plan[number]:
                await connection.send(numbered(n))
            await connection.wait_closed()

        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed(
            "feed", server.url, node.bus, streams=["ACME"],
            backoff=Backoff(initial=0.01, factor=2, cap=0.05), connect_timeout=2,
        )  # fmt: skip
        node.add_feed(feed)
        running = asyncio.create_task(node.run_async())
        for r in range(ROUNDS):
            target[0] = plan[r][-1]
            await asyncio.wait_for(round_done.wait(), 10)
            round_done.clear()
            await server.stop()  # killed: every connection dropped, nothing listening
            refused.clear()
            await asyncio.wait_for(refused.wait(), 10)  # the feed found nobody listening
            if r + 1 < ROUNDS:
                await server.start()
        assert node.states["CountsAndTrades"] is LifecycleState.RUNNING
        node.stop()
        outcome = await asyncio.wait_for(running, 20)
        assert outcome.status == NodeStatus.STOPPED
        return node, strategy, reported, fills, server

    node, strategy, reported, fills, server = asyncio.run(asyncio.wait_for(main(), 90))
    assert strategy.seen == expected  # every bar once, in order: no duplicate reached it
    assert [(g.first_missing, g.last_missing) for g in reported] == gaps
    assert server.connections == ROUNDS
    assert server.requests == ['{"subscribe":["ACME"]}'] * ROUNDS  # resubscribed each time
    assert len(fills) == len(expected) // 5 - (len(expected) % 5 == 0)  # the last unfilled
    assert node.feeds[0].stats().duplicates == ROUNDS - 1
