"""ExchangeClient, the execution-client port's adapter, against a real exchange: every
command confirmed, rejected with a reason, or unknown until a query resolves it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tickwire.bus import EventBus
from tickwire.events import OrderType, Side, SubmitOrder
from tickwire.exchange import (
    Exchange,
    ExchangeClient,
    Faults,
    FillRecord,
    OrderRecord,
    Outcome,
    load_market_data,
)
from tickwire.execution import BreakerState, CircuitBreaker
from tickwire.live import WebSocketFeed

from .conftest import run


def _order(order_id: str, **fields: object) -> SubmitOrder:
    values: dict[str, object] = {"instrument": "ACME", "side": Side.SELL, "quantity": 1.0}
    return SubmitOrder(ts_event_ns=0, order_id=order_id, **{**values, **fields})  # type: ignore[arg-type]


def test_commands_are_confirmed_or_rejected_with_the_reason(bars_file: Path) -> None:
    async def main() -> dict[str, object]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        client = ExchangeClient(exchange.url)  # the feed's URL: /orders is added
        far = _order("far", side=Side.BUY, order_type=OrderType.LIMIT, limit_price=1.0)
        results = {
            "placed": await client.submit(_order("s1")),
            "again": await client.submit(_order("s1")),
            "nowhere": await client.submit(_order("x", instrument="NOPE")),
            "bracket": await client.submit(_order("b", stop_loss=90.0)),
            "far": await client.submit(far),
            "cancel": await client.cancel("far"),
            "cancel again": await client.cancel("far"),
            "open": await client.open_orders(),
            "status": await client.order_status("never"),
        }
        await client.close()
        await exchange.stop()
        return results

    results = run(main)
    assert results["placed"].outcome is Outcome.CONFIRMED  # type: ignore[attr-defined]
    assert results["again"].outcome is Outcome.CONFIRMED  # type: ignore[attr-defined]
    assert results["nowhere"].outcome is Outcome.REJECTED  # type: ignore[attr-defined]
    assert "unknown instrument 'NOPE'" in results["nowhere"].reason  # type: ignore[attr-defined]
    assert results["bracket"].outcome is Outcome.REJECTED  # type: ignore[attr-defined]
    assert "brackets" in results["bracket"].reason  # type: ignore[attr-defined]
    assert results["cancel"].outcome is Outcome.CONFIRMED  # type: ignore[attr-defined]
    assert results["cancel"].order.status == "CANCELLED"  # type: ignore[attr-defined]
    assert results["cancel again"].outcome is Outcome.REJECTED  # type: ignore[attr-defined]
    assert "not_cancellable" in results["cancel again"].reason  # type: ignore[attr-defined]
    assert [o.client_order_id for o in results["open"]] == ["s1"]  # type: ignore[attr-defined]
    assert results["status"] is None


def test_a_lost_ack_leaves_the_order_in_flight_until_a_query_resolves_it(bars_file: Path) -> None:
    async def main() -> tuple[object, frozenset[str], object, frozenset[str], int, int]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0, faults=Faults(lose_acks=1.0))
        await exchange.start()
        client = ExchangeClient(exchange.url, timeout=0.3)
        lost = await client.submit(_order("lost-1"))
        in_flight = client.in_flight
        exchange.faults.lose_acks = 0.0
        resolved = await client.resolve("lost-1")
        after = client.in_flight
        orders = exchange.venue.state.order_count()
        working = len(await client.open_orders())
        await client.close()
        await exchange.stop()
        return lost, in_flight, resolved, after, orders, working

    lost, in_flight, resolved, after, orders, working = run(main)
    assert lost.outcome is Outcome.UNKNOWN  # type: ignore[attr-defined]
    assert "no answer" in lost.reason  # type: ignore[attr-defined]
    assert in_flight == {"lost-1"}
    assert resolved.outcome is Outcome.CONFIRMED  # type: ignore[attr-defined]
    assert after == frozenset()
    assert orders == 1 and working == 1  # resolved by asking: never submitted twice


def test_an_order_that_never_arrived_is_resolved_by_placing_it_once(bars_file: Path) -> None:
    async def main() -> tuple[object, object, object, int]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        port = exchange.port
        await exchange.stop()  # the venue is down: the order cannot reach it
        client = ExchangeClient(f"ws://127.0.0.1:{port}", timeout=0.5)
        unknown = await client.submit(_order("o-1"))
        still = await client.resolve("o-1")
        exchange = Exchange(load_market_data([bars_file]), speed=0.0, port=port)
        await exchange.start()
        resolved = await client.resolve("o-1")
        again = await client.resolve("o-1")
        orders = exchange.venue.state.order_count()
        await client.close()
        await exchange.stop()
        return unknown, still, resolved, orders if again else -1

    unknown, still, resolved, orders = run(main)
    assert unknown.outcome is Outcome.UNKNOWN  # type: ignore[attr-defined]
    assert still.outcome is Outcome.UNKNOWN  # type: ignore[attr-defined]
    assert resolved.outcome is Outcome.CONFIRMED  # type: ignore[attr-defined]
    assert orders == 1


def test_the_circuit_breaker_refuses_orders_while_open_and_closes_on_a_good_probe(
    bars_file: Path,
) -> None:
    now = [0]
    breaker = CircuitBreaker(threshold=2, cooldown_ns=1_000, clock=lambda: now[0])

    async def main() -> list[tuple[str, BreakerState]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        port = exchange.port
        await exchange.stop()
        client = ExchangeClient(f"ws://127.0.0.1:{port}", timeout=0.5, breaker=breaker)
        seen = []
        for n in range(3):
            result = await client.submit(_order(f"o-{n}"))
            seen.append((result.outcome.value + ":" + result.reason[:24], breaker.state))
        exchange = Exchange(load_market_data([bars_file]), speed=0.0, port=port)
        await exchange.start()
        refused = await client.submit(_order("o-3"))  # still open: the venue is not asked
        seen.append((refused.outcome.value, breaker.state))
        now[0] += 1_000  # the cool-down has elapsed (event time, no sleeping)
        probe = await client.submit(_order("o-4"))
        seen.append((probe.outcome.value, breaker.state))
        seen.append((str(exchange.venue.state.order_count()), breaker.state))
        await client.close()
        await exchange.stop()
        return seen

    seen = run(main)
    assert seen[0][1] is BreakerState.CLOSED and seen[0][0].startswith("UNKNOWN")
    assert seen[1][1] is BreakerState.OPEN and seen[1][0].startswith("UNKNOWN")
    assert seen[2] == ("REJECTED:circuit breaker OPEN: th", BreakerState.OPEN)
    assert seen[3] == ("REJECTED", BreakerState.OPEN)
    assert seen[4] == ("CONFIRMED", BreakerState.CLOSED)
    assert seen[5] == ("1", BreakerState.CLOSED)  # only the probe reached the venue


def test_updates_stream_fills_and_order_changes_and_fills_since_has_them_all(
    bars_file: Path,
) -> None:
    async def main() -> tuple[list[OrderRecord | FillRecord], list[FillRecord], list[object]]:
        exchange = Exchange(load_market_data([bars_file]), speed=0.0)
        await exchange.start()
        client = ExchangeClient(exchange.url)
        await client.submit(_order("a"))
        await client.submit(_order("b", quantity=2.0))
        feed = WebSocketFeed("market", exchange.url, EventBus(), reconnect=False)
        await feed.start()
        stream = client.updates()
        updates = [await asyncio.wait_for(anext(stream), 10) for _ in range(4)]
        fills = await client.fills_since(0)
        positions = await client.positions()
        await feed.stop()
        await client.close()
        await exchange.stop()
        return updates, fills, positions

    updates, fills, positions = run(main)
    kinds = [(type(u).__name__, u.client_order_id) for u in updates]
    assert kinds == [
        ("FillRecord", "a"),
        ("FillRecord", "b"),
        ("OrderRecord", "a"),
        ("OrderRecord", "b"),
    ]
    assert [f.trade_id for f in fills] == [u.trade_id for u in updates[:2]]  # type: ignore[union-attr]
    assert [(p.instrument, p.quantity) for p in positions] == [("ACME", -3.0)]  # type: ignore[attr-defined]
