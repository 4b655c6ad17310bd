"""A live node trading at a real local exchange through the execution-client port: no
order placed twice, no fill lost or doubled, whatever the connection does."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.data import sample_data_paths
from tickwire.events import (
    Bar,
    Fill,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    ReconciliationEvent,
    Side,
    SubmitOrder,
)
from tickwire.exchange import Exchange, ExchangeClient, Faults, FillRecord, load_market_data
from tickwire.live import Backoff, WebSocketFeed
from tickwire.node import Node, NodeConfig, NodeStatus
from tickwire.node.venue import VenueExecution
from tickwire.strategy import Strategy

BARS = 300
_FINAL = (OrderFilled, OrderRejected)
"""What an order of ``Alternates`` (market orders) ends as."""


class Alternates(Strategy):
    """Buys 2 on one bar, sells 2 on the next, through ``BARS`` bars of one instrument."""

    def on_start(self) -> None:
        self.bars = 0

    def on_bar(self, bar: Bar) -> None:
        if bar.instrument != "ACME" or self.bars >= BARS:
            return
        self.bars += 1
        if self.bars % 2:
            self.buy(2)
        else:
            self.sell(2)


def _run_session(faults: Faults) -> tuple[Node, list[Fill], list[str], list[FillRecord], int]:
    """A session of ``Alternates`` at an exchange replaying the sample data; the node, its
    fills and acknowledged orders, and the exchange's fills and order count."""

    async def main() -> tuple[Node, list[Fill], list[str], list[FillRecord], int]:
        exchange = Exchange(load_market_data(sample_data_paths()[:1]), speed=0.0, faults=faults)
        await exchange.start()
        strategy = Alternates()
        client = ExchangeClient(exchange.url, timeout=0.3)
        node = Node(
            strategy,
            execution=VenueExecution(client, poll_interval=0.05),
            config=NodeConfig(start_timeout=10),
        )
        fills: list[Fill] = []
        accepted: list[str] = []
        node.bus.subscribe(Fill, fills.append)
        node.bus.subscribe(OrderAccepted, lambda e: accepted.append(e.order_id))
        feed = WebSocketFeed(
            "exchange", exchange.url, node.bus, streams=["ACME"],
            backoff=Backoff(initial=0.01, factor=2, cap=0.05),
        )  # fmt: skip
        node.add_feed(feed)
        running = asyncio.create_task(node.run_async())
        for _ in range(1200):  # until the node knows the end of every order it placed
            updates = list(node.orders.by_order.values())
            if len(updates) == BARS and all(isinstance(u, _FINAL) for u in updates):
                break
            await asyncio.sleep(0.05)
        node.stop()
        outcome = await asyncio.wait_for(running, 30)
        assert outcome.status == NodeStatus.STOPPED, outcome.failure
        orders = exchange.venue.state.order_count()
        venue = list(exchange.venue.state.all_fills())
        await exchange.stop()
        return node, fills, accepted, venue, orders

    return asyncio.run(asyncio.wait_for(main(), 120))


@pytest.mark.parametrize(
    "faults",
    [Faults(), Faults(lose_acks=0.3, seed=1), Faults(drop_every=25, seed=2)],
    ids=["clean", "a third of the acks lost", "connections dropped every 25 messages"],
)
def test_every_order_once_and_every_fill_once(faults: Faults) -> None:
    node, fills, accepted, venue, orders = _run_session(faults)
    assert venue, "the session traded"
    trade_ids = [fill.id.removeprefix("venue-fill-") for fill in fills]
    assert Counter(trade_ids) == Counter(f.trade_id for f in venue)  # each fill, once
    assert [(f.order_id, f.quantity, f.price) for f in fills] == [
        (f.client_order_id, f.quantity, f.price) for f in venue
    ]
    submitted = [o for o in node.orders.by_order if o.startswith("Alternates-")]
    assert orders == len(submitted)  # never a second order for one request
    assert len(set(accepted)) == len(accepted)  # each acknowledged once
    assert all(o.startswith(f"Alternates-{node.session}-") for o in submitted)
    assert node.portfolio is not None
    assert node.portfolio.position("ACME").quantity == sum(
        f.quantity if f.side.value == "BUY" else -f.quantity for f in venue
    )


def test_rejections_carry_the_venues_reason() -> None:
    node, _, _, _, _ = _run_session(Faults(reject_every=4))
    rejected = [u for u in node.orders.by_order.values() if isinstance(u, OrderRejected)]
    assert rejected and all("venue: injected rejection" in u.reason for u in rejected)


def test_a_venue_that_cannot_be_reconciled_fails_the_node_closed() -> None:
    async def main() -> tuple[str, str, list[str]]:
        client = ExchangeClient("ws://127.0.0.1:9", timeout=0.3)  # nothing listens there
        node = Node(Alternates(), execution=VenueExecution(client), feeds=[])
        started: list[str] = []
        node.bus.subscribe(Bar, lambda e: started.append("bar"))
        outcome = await node.run_async()
        return outcome.status, outcome.failure, started

    status, failure, started = asyncio.run(asyncio.wait_for(main(), 30))
    assert status == NodeStatus.FAILED
    assert "execution did not start" in failure and "cannot connect" in failure
    assert not started


def test_an_order_placed_by_an_earlier_session_is_adopted_as_external() -> None:
    async def main() -> list[ReconciliationEvent]:
        exchange = Exchange(load_market_data(sample_data_paths()[:1]), speed=0.0)
        await exchange.start()
        earlier = ExchangeClient(exchange.url)
        from tickwire.events import OrderType, Side, SubmitOrder

        far = SubmitOrder(
            ts_event_ns=0, order_id="earlier-1", instrument="ACME", side=Side.BUY,
            quantity=1.0, order_type=OrderType.LIMIT, limit_price=1.0,
        )  # fmt: skip
        await earlier.submit(far)
        await earlier.close()
        node = Node(Alternates(), execution=VenueExecution(ExchangeClient(exchange.url)))
        found: list[ReconciliationEvent] = []
        node.bus.subscribe(ReconciliationEvent, found.append)
        running = asyncio.create_task(node.run_async())
        for _ in range(200):
            if found:
                break
            await asyncio.sleep(0.02)
        node.stop()
        await asyncio.wait_for(running, 30)
        await exchange.stop()
        return found

    found = asyncio.run(asyncio.wait_for(main(), 60))
    assert [(e.kind, e.order_id) for e in found] == [("ORDER_ADOPTED", "earlier-1")]


def test_orders_published_on_the_loop_and_from_another_thread_each_reach_the_venue() -> None:
    def submitted(order_id: str) -> OrderSubmitted:
        order = SubmitOrder(
            ts_event_ns=0, instrument="ACME", side=Side.BUY, quantity=1.0,
            order_type=OrderType.LIMIT, limit_price=1.0, order_id=order_id,
        )  # fmt: skip
        return OrderSubmitted(ts_event_ns=0, order_id=order_id, instrument="ACME", order=order)

    async def main() -> list[str]:
        exchange = Exchange(load_market_data(sample_data_paths()[:1]), speed=0.0)
        await exchange.start()
        bus = EventBus()
        accepted: list[str] = []
        bus.subscribe(OrderAccepted, lambda e: accepted.append(e.order_id))
        execution = VenueExecution(ExchangeClient(exchange.url), poll_interval=0.05)
        execution.attach(bus)
        await execution.start()
        bus.publish(submitted("on-the-loop"))
        await asyncio.to_thread(bus.publish, submitted("from-a-thread"))
        for _ in range(200):
            if len(accepted) == 2:
                break
            await asyncio.sleep(0.05)
        await execution.stop()
        ids = sorted(o.client_order_id for o in exchange.venue.open_orders())
        await exchange.stop()
        assert sorted(accepted) == ids
        return ids

    assert asyncio.run(asyncio.wait_for(main(), 60)) == ["from-a-thread", "on-the-loop"]


class BuysThree(Strategy):
    """Buys 3 ACME on its first bar; notes what it held when it started."""

    def on_start(self) -> None:
        self.held_at_start = self.position("ACME")
        self.bought = False

    def on_bar(self, bar: Bar) -> None:
        if bar.instrument == "ACME" and not self.bought and not self.held_at_start:
            self.bought = True
            self.buy(3)


@pytest.mark.parametrize("mode", ["sync", "threaded"])
def test_a_new_session_adopts_the_position_the_venue_holds(mode: Any) -> None:
    async def session(exchange: Exchange, feed: bool) -> tuple[Node, BuysThree, list[Any]]:
        strategy = BuysThree()
        node = Node(
            strategy,
            execution=VenueExecution(ExchangeClient(exchange.url), poll_interval=0.05),
            config=NodeConfig(start_timeout=10, mode=mode),
        )
        found: list[ReconciliationEvent] = []
        node.bus.subscribe(ReconciliationEvent, found.append)
        if feed:
            node.add_feed(WebSocketFeed("exchange", exchange.url, node.bus, streams=["ACME"]))
        running = asyncio.create_task(node.run_async())
        for _ in range(400):  # until it holds the 3 (its own, or adopted)
            if node.portfolio is not None and node.portfolio.quantity("ACME") == 3:
                break
            await asyncio.sleep(0.05)
        node.stop()
        assert (await asyncio.wait_for(running, 30)).status == NodeStatus.STOPPED
        return node, strategy, found

    async def main() -> tuple[Node, BuysThree, list[Any], float]:
        exchange = Exchange(load_market_data(sample_data_paths()[:1]), speed=0.0)
        await exchange.start()
        await session(exchange, feed=True)  # buys 3 and is filled
        (held,) = exchange.venue.positions()
        node, strategy, found = await session(exchange, feed=False)
        orders = exchange.venue.state.order_count()
        await exchange.stop()
        assert orders == 1  # the second session placed nothing: it already held them
        return node, strategy, found, held.avg_price

    node, strategy, found, avg_price = asyncio.run(asyncio.wait_for(main(), 90))
    assert strategy.held_at_start == 3  # adopted before the strategy started
    assert [(e.kind, e.instrument, e.quantity, e.avg_price) for e in found] == [
        ("POSITION_ADOPTED", "ACME", 3.0, avg_price)
    ]
    assert node.portfolio is not None
    assert node.portfolio.position("ACME").avg_price == avg_price
    assert node.portfolio.cash == NodeConfig().cash - 3 * avg_price
    assert node.fills == []  # taken over, not filled again
