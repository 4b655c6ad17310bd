"""``kill -9`` and restart on the same state file: every query answered as before, the
replay resumed where it was, and the end the same as a session never interrupted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from tickwire.exchange import Exchange, load_market_data

from .client import OrderClient
from .conftest import run, write_bars
from .process import ExchangeProcess, run_cli

BARS = 40
SECONDS_PER_BAR = 0.05
ORDERS = [
    {"client_order_id": "sell-now", "side": "SELL", "quantity": 2},
    {"client_order_id": "buy-dip", "side": "BUY", "quantity": 5, "order_type": "LIMIT",
     "limit_price": 103.5},
    {"client_order_id": "buy-late", "side": "BUY", "quantity": 1, "order_type": "LIMIT",
     "limit_price": 120.5},
    {"client_order_id": "never", "side": "BUY", "quantity": 1, "order_type": "LIMIT",
     "limit_price": 1.0},
]  # fmt: skip


def _prices() -> list[float]:
    """Up 1 a day to 115, down to 100, then up again: each limit fills at a known bar."""
    up = [100.0 + n for n in range(16)]
    return (up + up[::-1][1:] + up[1:])[:BARS]


async def _place(url: str) -> list[dict[str, Any]]:
    client = await OrderClient.open(url)
    answers = [await client.request("new_order", instrument="ACME", **o) for o in ORDERS]
    await client.close()
    return answers


async def _read_feed(url: str, until: int | None) -> list[int]:
    """The feed's sequence numbers, until ``until`` of them (None: until it goes quiet)."""
    seqs: list[int] = []
    async with connect(url) as feed:
        while until is None or len(seqs) < until:
            try:
                message = await asyncio.wait_for(feed.recv(), 2 if until is None else 30)
            except TimeoutError:
                break
            seqs.append(json.loads(message)["seq"])
    return seqs


async def _snapshot(url: str) -> dict[str, Any]:
    client = await OrderClient.open(url)
    answers = {
        op: await client.request(op) for op in ("fills", "open_orders", "positions", "balances")
    }
    snapshot: dict[str, Any] = {
        op: {k: v for k, v in a.items() if k != "req"} for op, a in answers.items()
    }
    snapshot["orders"] = [
        (await client.request("order_status", client_order_id=o["client_order_id"]))["order"]
        for o in ORDERS
    ]
    await client.close()
    return snapshot


def _reference(data: Path) -> dict[str, Any]:
    """The same orders on the same data, never interrupted (in-process, unpaced)."""

    async def main() -> dict[str, Any]:
        exchange = Exchange(load_market_data([data]), speed=0.0)
        await exchange.start()
        await _place(exchange.url)
        await _read_feed(exchange.url, BARS)
        await exchange.replay_finished.wait()
        snapshot = await _snapshot(exchange.url)
        await exchange.stop()
        return snapshot

    return run(main)  # type: ignore[no-any-return]


def test_kill_9_and_restart_answers_truthfully_and_resumes(tmp_path: Path) -> None:
    data = write_bars(tmp_path / "ACME.csv", _prices())
    state = tmp_path / "exchange.db"
    speed = str(86_400 / SECONDS_PER_BAR)
    args = ("--data", data, "--state", state, "--port", "0", "--speed", speed)

    first = ExchangeProcess(*args).start()
    try:
        placed = run(lambda: _place(first.url))
        seen = run(lambda: _read_feed(first.url, 10))  # a quarter of the way through
        before = run(lambda: _snapshot(first.url))
    finally:
        first.kill()
    assert seen == list(range(1, 11))
    assert all(answer["order"]["status"] == "ACCEPTED" for answer in placed)

    with ExchangeProcess(*args) as second:
        after_restart = run(lambda: _snapshot(second.url))
        again = run(lambda: _place(second.url))
        resumed = run(lambda: _read_feed(second.url, None))
        final = run(lambda: _snapshot(second.url))

    # What the first process had said is still true: no fill forgotten or renumbered.
    fills_before = before["fills"]["fills"]
    assert after_restart["fills"]["fills"][: len(fills_before)] == fills_before
    assert fills_before, "the kill came before the first fill: the test proves nothing"
    # Resubmitting every id is never a second order.
    assert [a["duplicate"] for a in again] == [True] * len(ORDERS)
    # The replay went on from where it was, not from the start, to the end.
    assert resumed[0] > seen[-1] and resumed[-1] == BARS
    assert resumed == list(range(resumed[0], BARS + 1))
    # And the session ends exactly as one that was never interrupted.
    assert final == _reference(data)
    assert [o["status"] for o in final["orders"]] == ["FILLED", "FILLED", "FILLED", "ACCEPTED"]


def test_a_state_file_belongs_to_its_data(tmp_path: Path) -> None:
    state = tmp_path / "exchange.db"
    one = write_bars(tmp_path / "ONE.csv", [100.0, 101.0])
    other = write_bars(tmp_path / "OTHER.csv", [100.0, 101.0])
    with ExchangeProcess("--data", one, "--state", state, "--port", "0"):
        pass
    refused = run_cli("--data", other, "--state", state, "--port", "0")
    assert refused.returncode == 2
    assert "OTHER.csv" in refused.stderr and "another state file" in refused.stderr
    assert refused.stdout == ""


def test_a_state_file_in_use_is_refused_and_free_again_after_kill_9(tmp_path: Path) -> None:
    state = tmp_path / "exchange.db"
    data = write_bars(tmp_path / "ACME.csv", [100.0, 101.0])
    first = ExchangeProcess("--data", data, "--state", state, "--port", "0").start()
    refused = run_cli("--data", data, "--state", state, "--port", "0")
    assert refused.returncode == 2
    assert "in use by another running exchange" in refused.stderr and refused.stdout == ""
    first.kill()  # the lock goes with the process
    with ExchangeProcess("--data", data, "--state", state, "--port", "0") as again:
        assert again.url.startswith("ws://127.0.0.1:")
