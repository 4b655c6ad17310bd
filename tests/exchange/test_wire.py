"""Requests answered as they are read, and the way round it: a client that stops
reading gets every reply, in order, once it reads again; a fragmented request (outside
the protocol's whole text frames, but valid websocket) is answered too."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import connect

from .conftest import run, sample_exchange

RESTING = 300
QUERIES = 400


def _limit_buy(n: int) -> dict[str, Any]:
    return {
        "op": "new_order",
        "req": f"order-{n}",
        "client_order_id": f"rest-{n}",
        "instrument": "ACME",
        "side": "BUY",
        "quantity": 1,
        "order_type": "LIMIT",
        "limit_price": 1.0,
    }


def test_a_client_that_stops_reading_gets_every_reply_in_order() -> None:
    async def main() -> list[Any]:
        exchange = sample_exchange()
        await exchange.start()
        try:
            # max_queue=4: the client stops reading the socket after four messages, so
            # the exchange's replies (100 kB each) pile up behind it.
            async with connect(f"{exchange.url}/orders", max_queue=4) as connection:
                for n in range(RESTING):
                    await connection.send(json.dumps(_limit_buy(n)))
                    assert json.loads(await connection.recv())["ok"] is True
                for n in range(QUERIES):
                    await connection.send(json.dumps({"op": "open_orders", "req": n}))
                replies = [json.loads(await connection.recv()) for _ in range(QUERIES)]
        finally:
            await exchange.stop()
        assert all(len(r["orders"]) == RESTING for r in replies)
        return [r["req"] for r in replies]

    assert run(main) == list(range(QUERIES))


def test_a_fragmented_request_is_answered() -> None:
    async def main() -> dict[str, Any]:
        exchange = sample_exchange()
        await exchange.start()
        try:
            async with connect(f"{exchange.url}/orders") as connection:
                text = json.dumps(_limit_buy(1))
                await connection.send([text[:20], text[20:]])  # two frames, one message
                answer: dict[str, Any] = json.loads(await connection.recv())
        finally:
            await exchange.stop()
        return answer

    answer = run(main)
    assert answer["ok"] is True and answer["req"] == "order-1"
    assert answer["order"]["client_order_id"] == "rest-1"
