"""Each fault option does what it says, and none of them loses or doubles an order."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tickwire.bus import EventBus
from tickwire.data import read_bars, sample_data_paths
from tickwire.events import Bar, FeedGap
from tickwire.exchange import DROP_CODE, Exchange, Faults, load_market_data
from tickwire.live import Backoff, WebSocketFeed

from .client import OrderClient
from .conftest import run, sample_exchange
from .process import ExchangeProcess

FAST = Backoff(initial=0.01, factor=2, cap=0.05)


def _order(n: int | str, **fields: Any) -> dict[str, Any]:
    return {
        "client_order_id": f"o-{n}",
        "instrument": "ACME",
        "side": "SELL",
        "quantity": 1,
        **fields,
    }


async def _quiet(feed: WebSocketFeed) -> None:
    """Wait until the feed has received nothing new for half a second (at most 20 s)."""
    last, still = -1, 0
    for _ in range(200):
        received = feed.stats().received
        still = still + 1 if received == last else 0
        if still == 5:
            return
        last = received
        await asyncio.sleep(0.1)


def test_drop_every_closes_feeds_that_reconnect_and_report_the_gap() -> None:
    data = [(bar.ts_event_ns, bar.instrument) for bar in read_bars(sample_data_paths())]

    async def main() -> tuple[list[Bar], list[FeedGap], WebSocketFeed]:
        exchange = sample_exchange(faults=Faults(drop_every=500))
        await exchange.start()
        bus = EventBus()
        bars: list[Bar] = []
        gaps: list[FeedGap] = []
        bus.subscribe(Bar, bars.append)
        bus.subscribe(FeedGap, gaps.append)
        feed = WebSocketFeed("dropped", exchange.url, bus, backoff=FAST)
        await feed.start()
        await exchange.replay_finished.wait()
        await _quiet(feed)
        await feed.stop()
        await exchange.stop()
        return bars, gaps, feed

    bars, gaps, feed = run(main)
    stats = feed.stats()
    assert stats.connects >= 2
    assert stats.duplicates == 0
    # Every bar received is in the data, in order, and what is missing is reported.
    positions = [data.index((bar.ts_event_ns, bar.instrument)) + 1 for bar in bars]
    assert positions == sorted(positions)
    assert stats.published + stats.missing == positions[-1]
    assert sum(gap.missing for gap in gaps) == stats.missing


def test_drop_every_on_orders_places_the_order_whose_ack_it_drops(tmp_path: Path) -> None:
    async def main() -> tuple[int | None, dict[str, Any], dict[str, Any]]:
        exchange = sample_exchange(faults=Faults(drop_every=3))
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        await client.request("new_order", **_order(1))  # messages 1 and 2
        await client.send("new_order", **_order(2))  # message 3: handled, then dropped
        try:
            await asyncio.wait_for(client.connection.wait_closed(), 10)
        finally:
            code = client.connection.close_code
            await client.close()
        again = await OrderClient.open(exchange.url)
        status = await again.request("order_status", client_order_id="o-2")
        resent = await again.request("new_order", **_order(2))
        await again.close()
        await exchange.stop()
        return code, status, resent

    code, status, resent = run(main)
    assert code == DROP_CODE
    assert status["ok"] and status["order"]["status"] == "ACCEPTED"
    assert resent["duplicate"] is True


def test_delay_acks_holds_back_acknowledgements_only() -> None:
    async def main() -> tuple[list[Any], dict[str, Any]]:
        exchange = sample_exchange(faults=Faults(delay_acks_ms=300))
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        placed = await client.send("new_order", **_order(1))
        status = await client.request("order_status", client_order_id="o-1")
        arrived_first = list(client.replies)
        await client.reply(placed)
        await client.close()
        await exchange.stop()
        return arrived_first, status

    arrived_first, status = run(main)
    assert status["order"]["status"] == "ACCEPTED"  # placed before its ack went out
    assert len(arrived_first) == 1  # the status reply overtook the delayed ack


def test_lose_acks_never_sends_some_acks_but_places_every_order() -> None:
    count = 40

    async def main() -> tuple[int, int, list[dict[str, Any]]]:
        exchange = sample_exchange(faults=Faults(lose_acks=0.5, seed=7))
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        acks = []
        for n in range(count):
            acks.append(await client.send("new_order", **_order(n)))
            await client.request("balances")  # replies keep order: an ack not before it is lost
        lost = sum(1 for req in acks if req not in client.replies)
        statuses = [
            (await client.request("order_status", client_order_id=f"o-{n}"))["order"]
            for n in range(count)
        ]
        open_orders = len((await client.request("open_orders"))["orders"])
        await client.close()
        await exchange.stop()
        return lost, open_orders, statuses

    lost, open_orders, statuses = run(main)
    assert 0 < lost < count
    assert open_orders == count
    assert all(order["status"] == "ACCEPTED" for order in statuses)


def test_reject_every_rejects_every_nth_new_order_and_repeats_are_not_new() -> None:
    async def main() -> list[dict[str, Any]]:
        exchange = sample_exchange(faults=Faults(reject_every=3))
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        answers = [(await client.request("new_order", **_order(n)))["order"] for n in range(6)]
        answers.append((await client.request("new_order", **_order(2)))["order"])  # a repeat
        answers.append((await client.request("new_order", **_order(6)))["order"])
        await client.close()
        await exchange.stop()
        return answers

    answers = run(main)
    statuses = [order["status"] for order in answers]
    every_third = ["ACCEPTED", "ACCEPTED", "REJECTED", "ACCEPTED", "ACCEPTED", "REJECTED"]
    assert statuses == [*every_third, "REJECTED", "ACCEPTED"]
    assert answers[2]["reason"] == "injected rejection (--reject-every 3)"


def test_the_fault_options_of_the_command(tmp_path: Path) -> None:
    """The flags reach the running exchange: every 2nd order rejected, every ack lost."""

    async def main(url: str) -> tuple[list[Any], list[str]]:
        client = await OrderClient.open(url)
        reqs = [await client.send("new_order", **_order(n)) for n in range(4)]
        await client.request("balances")
        acked = [req for req in reqs if req in client.replies]
        statuses = [
            (await client.request("order_status", client_order_id=f"o-{n}"))["order"]["status"]
            for n in range(4)
        ]
        await client.close()
        return acked, statuses

    args = ("--port", "0", "--reject-every", "2", "--lose-acks", "1", "--delay-acks", "5")
    with ExchangeProcess(*args) as process:
        acked, statuses = run(lambda: main(process.url))
    assert acked == []
    assert statuses == ["ACCEPTED", "REJECTED", "ACCEPTED", "REJECTED"]


def test_drop_every_from_the_command_line_closes_the_connection() -> None:
    async def main(url: str) -> int | None:
        async with connect(f"{url}/orders") as connection:
            await connection.send('{"op": "balances"}')
            await connection.recv()
            with contextlib.suppress(ConnectionClosed):
                await asyncio.wait_for(connection.recv(), 10)
            return connection.close_code

    with ExchangeProcess("--port", "0", "--drop-every", "2") as process:
        assert run(lambda: main(process.url)) == DROP_CODE


def test_bad_fault_options_are_refused() -> None:
    for bad in ({"lose_acks": 1.5}, {"drop_every": -1}, {"reject_every": -2}):
        try:
            Faults(**bad)  # type: ignore[arg-type]
        except ValueError as exc:
            assert "--" in str(exc)
        else:
            raise AssertionError(f"accepted {bad}")
    data = load_market_data(sample_data_paths())
    try:
        Exchange(data, speed=-1)
    except ValueError as exc:
        assert "--speed" in str(exc)
    else:
        raise AssertionError("accepted a negative speed")
