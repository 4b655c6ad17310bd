"""Chaos: a live node trading at a real ``tickwire exchange`` process that is killed with
SIGKILL and restarted twenty times, losing a fifth of its acknowledgements and dropping
connections on the way. At the end the node's orders, fills and position are exactly the
exchange's own record."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections import Counter
from pathlib import Path

import pytest

from tickwire.events import Bar, Fill, OrderFilled, OrderRejected
from tickwire.exchange import ExchangeClient, FillRecord
from tickwire.live import Backoff, WebSocketFeed
from tickwire.node import Node, NodeConfig, NodeStatus
from tickwire.node.venue import VenueExecution
from tickwire.strategy import Strategy

from ..exchange.process import ExchangeProcess

RESTARTS = 20
ORDERS = 120
_DAY = 86_400


class Alternates(Strategy):
    """Buys 1 on one bar, sells 1 on the next, for ``ORDERS`` bars of ACME."""

    def on_start(self) -> None:
        self.orders = 0

    def on_bar(self, bar: Bar) -> None:
        if bar.instrument == "ACME" and self.orders < ORDERS:
            self.orders += 1
            if self.orders % 2:
                self.buy(1)
            else:
                self.sell(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_twenty_exchange_kills_lose_no_fill_and_double_no_order(tmp_path: Path) -> None:
    port = _free_port()
    options = (
        "--port", str(port), "--state", str(tmp_path / "exchange.db"), "--speed", str(_DAY * 40),
        "--lose-acks", "0.2", "--drop-every", "60", "--fault-seed", "7",
    )  # fmt: skip

    async def main() -> tuple[Node, list[Fill], list[FillRecord], int]:
        venue = await asyncio.to_thread(ExchangeProcess(*options).start)
        url = venue.url
        execution = VenueExecution(ExchangeClient(url, timeout=0.5), poll_interval=0.05)
        node = Node(Alternates(), execution=execution, config=NodeConfig(start_timeout=20))
        fills: list[Fill] = []
        node.bus.subscribe(Fill, fills.append)
        node.add_feed(
            WebSocketFeed(
                "exchange", url, node.bus, streams=["ACME"],
                backoff=Backoff(initial=0.05, factor=2, cap=0.2),
            )
        )  # fmt: skip
        running = asyncio.create_task(node.run_async())
        for _ in range(RESTARTS):
            await asyncio.sleep(0.4)  # let it trade a little, then kill it mid-flight
            await asyncio.to_thread(venue.kill)
            venue = await asyncio.to_thread(ExchangeProcess(*options).start)
        for _ in range(2400):  # until the node knows how each of its orders ended
            ended = [
                u
                for u in node.orders.by_order.values()
                if isinstance(u, OrderFilled | OrderRejected)
            ]
            if len(ended) == ORDERS and not node.execution.in_flight:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.05)
        node.stop()
        outcome = await asyncio.wait_for(running, 30)
        assert outcome.status == NodeStatus.STOPPED, outcome.failure
        client = ExchangeClient(url)
        at_venue = await client.fills_since(0)
        orders = len(await client.open_orders())
        await client.close()
        await asyncio.to_thread(venue.terminate)
        return node, fills, at_venue, orders

    node, fills, at_venue, still_open = asyncio.run(asyncio.wait_for(main(), 240))
    assert len(node.orders.by_order) == ORDERS and still_open == 0
    assert Counter(f.id.removeprefix("venue-fill-") for f in fills) == Counter(
        f.trade_id for f in at_venue
    )  # no fill lost, none applied twice
    assert [(f.order_id, f.price) for f in fills] == [
        (f.client_order_id, f.price) for f in at_venue
    ]
    assert len({f.client_order_id for f in at_venue}) == len(at_venue)  # one fill per order
    assert node.portfolio is not None
    assert node.portfolio.position("ACME").quantity == sum(
        f.quantity if f.side.value == "BUY" else -f.quantity for f in at_venue
    )
