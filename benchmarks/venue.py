"""Order round trips through the execution-client port against the local exchange.

Usage: python benchmarks/venue.py [--orders N] [--repeat R]

``tickwire exchange`` runs in another process on loopback, with its state in a SQLite
file (every order is committed before it is acknowledged) or, for comparison, in memory.
For each rate (100 and 1,000 orders/s) N orders are sent on schedule through
:class:`~tickwire.exchange.ExchangeClient` (limit buys far below the market, so they
rest on the book) and the time from ``submit`` to its confirmed outcome is measured;
p50 and p99 are the medians over R runs. The baseline is a raw ``websockets``
request/reply of the same protocol (a ``balances`` query, sequential), measured in the
same run. Submit-to-fill is not measured: a fill waits for the next replayed bar, so its
latency is the replay's pacing, not the venue's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

from tickwire.events import OrderType, Side, SubmitOrder
from tickwire.exchange import ExchangeClient, Outcome

_CLI = "from tickwire.cli.main import main; main()"


def _start(state: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, "exchange", "--port", "0", "--state", state],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _raw_round_trips(url: str, count: int) -> list[float]:
    took = []
    async with connect(f"{url}/orders") as connection:
        for n in range(count):
            started = time.perf_counter()
            await connection.send(json.dumps({"op": "balances", "req": n}))
            await connection.recv()
            took.append(time.perf_counter() - started)
    return took


async def _paced_submits(url: str, count: int, rate: float, run: str) -> list[float]:
    client = ExchangeClient(url, timeout=10)
    await client.balances()  # connected before the clock starts
    took: list[float] = []

    async def one(n: int) -> None:
        order = SubmitOrder(
            ts_event_ns=0,
            instrument="ACME",
            side=Side.BUY,
            quantity=1.0,
            order_type=OrderType.LIMIT,
            limit_price=1.0,
            order_id=f"{run}-{n}",
        )
        started = time.perf_counter()
        result = await client.submit(order)
        took.append(time.perf_counter() - started)
        assert result.outcome is Outcome.CONFIRMED, result

    start = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    await client.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for label, state in (("sqlite", str(Path(folder) / "venue.db")), ("memory", ":memory:")):
            process, url = _start(state)
            try:
                raw = [asyncio.run(_raw_round_trips(url, args.orders)) for _ in range(args.repeat)]
                raw_p50 = statistics.median(_percentile(r, 0.5) for r in raw) * 1e6
                raw_p99 = statistics.median(_percentile(r, 0.99) for r in raw) * 1e6
                print(f"[{label}] raw request/reply: p50 {raw_p50:.0f} us, p99 {raw_p99:.0f} us")
                for rate in (100.0, 1000.0):
                    runs = [
                        asyncio.run(_paced_submits(url, args.orders, rate, f"{rate:g}-{r}"))
                        for r in range(args.repeat)
                    ]
                    p50 = statistics.median(_percentile(r, 0.5) for r in runs) * 1e6
                    p99 = statistics.median(_percentile(r, 0.99) for r in runs) * 1e6
                    print(
                        f"[{label}] submit -> ack at {rate:,.0f} orders/s: p50 {p50:.0f} us, "
                        f"p99 {p99:.0f} us ({p50 / raw_p50:.2f}x / {p99 / raw_p99:.2f}x raw)"
                    )
            finally:
                process.terminate()
                process.wait(30)
                if process.stdout is not None:
                    process.stdout.close()


if __name__ == "__main__":
    main()
