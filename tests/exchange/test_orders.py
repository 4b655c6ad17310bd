"""The order protocol over a plain websockets client: fills by the broker's rules,
idempotent ids, every query, pushes, and errors that name the bad field."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from tickwire.bus import EventBus
from tickwire.data import read_bars
from tickwire.events import Bar
from tickwire.exchange import Exchange, load_market_data
from tickwire.live import WebSocketFeed

from .client import OrderClient
from .conftest import run, write_bars

LIMIT = 104.5


async def _replay_all(exchange: Exchange) -> None:
    """Subscribe a feed (which starts the replay) and wait until the data is through."""
    bus = EventBus()
    feed = WebSocketFeed("market", exchange.url, bus, reconnect=False)
    await feed.start()
    await exchange.replay_finished.wait()
    await feed.stop()


def _order(client_order_id: str, **fields: Any) -> dict[str, Any]:
    return {"client_order_id": client_order_id, "instrument": "ACME", **fields}


def test_orders_fill_by_the_simulated_broker_rules(bars_file: Path) -> None:
    bars = list(read_bars(bars_file))
    first_touch = next(bar for bar in bars if bar.low <= LIMIT)

    async def main() -> dict[str, Any]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        placed = await client.request(
            "new_order",
            **_order("buy-1", side="BUY", quantity=10, order_type="LIMIT", limit_price=LIMIT),
        )
        short = await client.request("new_order", **_order("sell-1", side="SELL", quantity=4))
        await _replay_all(exchange)
        await client.wait_for_push(
            lambda p: p["type"] == "order" and p["order"]["client_order_id"] == "buy-1"
        )
        answers = {
            "placed": placed,
            "short": short,
            "fills": await client.request("fills", since=0),
            "buy": await client.request("order_status", client_order_id="buy-1"),
            "positions": await client.request("positions"),
            "balances": await client.request("balances"),
            "open": await client.request("open_orders"),
            "pushes": list(client.pushes),
        }
        await client.close()
        await exchange.stop()
        return answers

    answers = run(main)
    assert answers["placed"]["ok"] and answers["placed"]["order"]["status"] == "ACCEPTED"
    fills = answers["fills"]["fills"]
    by_order = {fill["client_order_id"]: fill for fill in fills}
    # A market order before any bar fills at the first bar's open; a buy limit on the
    # first bar whose low reaches it, at min(open, limit) (docs/fill_rules.md).
    assert by_order["sell-1"]["price"] == bars[0].open
    assert by_order["sell-1"]["ts_ns"] == bars[0].ts_event_ns
    assert by_order["buy-1"]["price"] == min(first_touch.open, LIMIT)
    assert by_order["buy-1"]["ts_ns"] == first_touch.ts_event_ns
    assert [fill["seq"] for fill in fills] == [1, 2]
    assert len({fill["trade_id"] for fill in fills}) == 2
    assert answers["buy"]["order"]["status"] == "FILLED"
    assert answers["buy"]["order"]["filled_quantity"] == 10
    assert answers["open"]["orders"] == []
    assert {p["instrument"]: p["quantity"] for p in answers["positions"]["positions"]} == {
        "ACME": 6
    }
    cash = 100_000 - 10 * by_order["buy-1"]["price"] + 4 * by_order["sell-1"]["price"]
    assert abs(answers["balances"]["balances"]["cash"] - cash) < 1e-6
    kinds = [
        (p["type"], (p.get("fill") or p.get("order"))["client_order_id"]) for p in answers["pushes"]
    ]
    assert kinds.index(("fill", "buy-1")) < kinds.index(("order", "buy-1"))


def test_a_client_order_id_is_never_a_second_order(bars_file: Path) -> None:
    async def main() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any], dict[str, Any]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        first, second = await OrderClient.open(exchange.url), await OrderClient.open(exchange.url)
        order = _order("once", side="SELL", quantity=3)
        answers = [
            await first.request("new_order", **order),
            await second.request("new_order", **order),
        ]
        conflict = await second.request("new_order", **{**order, "quantity": 4})
        await _replay_all(exchange)
        again = await first.request("new_order", **order)
        fills = await first.request("fills")
        await first.close()
        await second.close()
        await exchange.stop()
        return answers, conflict, again, fills

    answers, conflict, again, fills = run(main)
    assert [a["duplicate"] for a in answers] == [False, True]
    assert answers[0]["order"] == answers[1]["order"]
    assert conflict["ok"] is False and conflict["error"]["code"] == "conflict"
    assert again["duplicate"] and again["order"]["status"] == "FILLED"
    assert len(fills["fills"]) == 1


def test_cancel_and_the_errors_of_orders_that_cannot_be(bars_file: Path) -> None:
    async def main() -> dict[str, dict[str, Any]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        far = _order("far", side="BUY", quantity=1, order_type="LIMIT", limit_price=1.0)
        await client.request("new_order", **far)
        answers = {
            "open": await client.request("open_orders"),
            "cancel": await client.request("cancel", client_order_id="far"),
            "again": await client.request("cancel", client_order_id="far"),
            "unknown": await client.request("cancel", client_order_id="never"),
            "status": await client.request("order_status", client_order_id="never"),
            "rejected": await client.request("new_order", **_order("neg", side="BUY", quantity=-1)),
            "elsewhere": await client.request(
                "new_order", client_order_id="x", instrument="NOPE", side="SELL", quantity=1
            ),
            "after": await client.request("open_orders"),
        }
        await client.close()
        await exchange.stop()
        return answers

    answers = run(main)
    assert [o["client_order_id"] for o in answers["open"]["orders"]] == ["far"]
    assert answers["cancel"]["order"]["status"] == "CANCELLED"
    assert answers["cancel"]["order"]["reason"] == "cancelled on request"
    assert answers["again"]["error"]["code"] == "not_cancellable"
    assert answers["again"]["order"]["status"] == "CANCELLED"
    assert answers["unknown"]["error"]["code"] == "unknown_order"
    assert answers["status"]["error"]["code"] == "unknown_order"
    assert answers["rejected"]["order"]["status"] == "REJECTED"
    assert "quantity" in answers["rejected"]["order"]["reason"]
    assert "unknown instrument 'NOPE'" in answers["elsewhere"]["order"]["reason"]
    assert answers["after"]["orders"] == []


def test_bad_requests_are_answered_with_the_field_and_change_nothing(bars_file: Path) -> None:
    bad = {
        "not json": "{",
        "unknown op": json.dumps({"op": "buy_everything", "req": 1}),
        "wrong type": json.dumps(
            {"op": "new_order", "req": 2, **_order("a", side="BUY", quantity="ten")}
        ),
        "missing": json.dumps({"op": "new_order", "req": 3, "client_order_id": "b"}),
        "extra": json.dumps({"op": "fills", "req": 4, "sinc": 3}),
        "bad side": json.dumps(
            {"op": "new_order", "req": 5, **_order("c", side="HOLD", quantity=1)}
        ),
    }

    async def main() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        answers = {}
        async with connect(f"{exchange.url}/orders") as connection:
            for name, message in bad.items():
                await connection.send(message)
                answers[name] = json.loads(await connection.recv())
            await connection.send(json.dumps({"op": "open_orders"}))
            orders = json.loads(await connection.recv())
        await exchange.stop()
        return answers, orders

    answers, orders = run(main)
    assert all(a["ok"] is False and a["error"]["code"] == "bad_request" for a in answers.values())
    assert answers["not json"]["req"] is None
    assert answers["unknown op"]["req"] == 1
    assert "$.quantity" in answers["wrong type"]["error"]["message"]
    assert "instrument" in answers["missing"]["error"]["message"]
    assert "sinc" in answers["extra"]["error"]["message"]
    assert "$.side" in answers["bad side"]["error"]["message"]
    assert orders["orders"] == []


def test_an_unknown_path_is_refused_at_the_handshake(bars_file: Path) -> None:
    async def main() -> str:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        try:
            async with connect(f"{exchange.url}/order"):
                return "connected"
        except Exception as exc:  # websockets' InvalidStatus
            return str(exc)
        finally:
            await exchange.stop()

    assert "404" in run(main)


def test_feed_bars_and_fills_agree_on_time(tmp_path: Path) -> None:
    """A fill's ``ts_ns`` is the time of a bar the feed also delivers."""
    data = write_bars(tmp_path / "ACME.csv", [100.0, 101.0, 102.0])

    async def main() -> tuple[list[Bar], dict[str, Any]]:
        exchange = Exchange(load_market_data([data]), speed=0.0)
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        await client.request("new_order", **_order("m", side="SELL", quantity=1))
        bus = EventBus()
        bars: list[Bar] = []
        bus.subscribe(Bar, bars.append)
        feed = WebSocketFeed("market", exchange.url, bus, reconnect=False)
        await feed.start()
        await exchange.replay_finished.wait()
        while len(bars) < 3:
            await asyncio.sleep(0.01)
        fills = await client.request("fills")
        await feed.stop()
        await client.close()
        await exchange.stop()
        return bars, fills

    bars, fills = run(main)
    assert fills["fills"][0]["ts_ns"] == bars[0].ts_event_ns


def test_pushes_go_to_the_connection_that_owns_the_order(bars_file: Path) -> None:
    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        placer, bystander, adopter = [await OrderClient.open(exchange.url) for _ in range(3)]
        await placer.request("new_order", **_order("mine", side="SELL", quantity=1))
        await placer.request(
            "new_order",
            **_order("adopted", side="BUY", quantity=1, order_type="LIMIT", limit_price=LIMIT),
        )
        await adopter.request("order_status", client_order_id="adopted")  # takes it over
        await _replay_all(exchange)
        await placer.wait_for_push(lambda p: p["type"] == "order")
        await adopter.wait_for_push(lambda p: p["type"] == "order")
        await bystander.request("balances")
        for client in (placer, bystander, adopter):
            await client.close()
        await exchange.stop()
        return placer.pushes, bystander.pushes, adopter.pushes

    placer, bystander, adopter = run(main)
    assert {(p["type"], (p.get("fill") or p.get("order"))["client_order_id"]) for p in placer} == {
        ("fill", "mine"),
        ("order", "mine"),
    }
    assert bystander == []
    assert {p["type"] for p in adopter} == {"fill", "order"}
    assert all((p.get("fill") or p.get("order"))["client_order_id"] == "adopted" for p in adopter)


def test_fills_come_in_pages_of_at_most_a_thousand(bars_file: Path) -> None:
    count = 1_100

    async def main() -> list[dict[str, Any]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        client = await OrderClient.open(exchange.url)
        for n in range(count):
            await client.request("new_order", **_order(f"s-{n}", side="SELL", quantity=1))
        await _replay_all(exchange)
        pages = [await client.request("fills", since=0)]
        pages.append(await client.request("fills", since=pages[0]["fills"][-1]["seq"]))
        await client.close()
        await exchange.stop()
        return pages

    first, second = run(main)
    assert len(first["fills"]) == 1_000 and first["more"] is True
    assert len(second["fills"]) == 100 and second["more"] is False
    assert first["last_seq"] == second["last_seq"] == count
    seqs = [fill["seq"] for fill in first["fills"] + second["fills"]]
    assert seqs == list(range(1, count + 1))
