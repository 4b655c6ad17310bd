"""Order round trips through the execution-client port against the local exchange.

Usage: python benchmarks/venue.py [--orders N] [--repeat R] [--stages]

``tickwire exchange`` runs in another process on loopback, with its state in a SQLite
file (every order is written before it is acknowledged) or, for comparison, in memory.
For each rate (100 and 1,000 orders/s) N orders are sent on schedule through
:class:`~tickwire.exchange.ExchangeClient` (limit buys far below the market, so they
rest on the book) and the time from ``submit`` to its confirmed outcome is measured;
p50 and p99 are the medians over R runs. The baseline is a raw ``websockets``
request/reply of the same protocol (a ``balances`` query, sequential), measured in the
same run.

Submit to fill: the exchange replays quotes at 1,000 a second (one every millisecond of
wall time, a feed client reading them) and market orders, buys and sells in turn, are
sent at 100/s; the time from ``submit`` to the fill pushed for the order is measured.
It includes the wait for the next quote (0 to 1 ms, 0.5 ms on average).

``--stages`` runs the exchange in this script's own child process with timestamps at
each stage of an order on both sides (perf_counter_ns is one clock across processes
here) and the CPU time each side spent, at 100 orders/s, and prints where the time goes:
which part is work and which is waiting to be scheduled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from websockets.asyncio.client import connect

from tickwire.events import OrderType, Side, SubmitOrder
from tickwire.exchange import ExchangeClient, FillRecord, Outcome

_CLI = "from tickwire.cli.main import main; main()"
_QUOTES = 40_000


def _start(state: str, *options: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _CLI, "exchange", "--port", "0", "--state", state, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(30)
    if process.stdout is not None:
        process.stdout.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _order(order_id: str, side: Side = Side.BUY, limit: float | None = 1.0) -> SubmitOrder:
    return SubmitOrder(
        ts_event_ns=0,
        instrument="ACME",
        side=side,
        quantity=1.0,
        order_type=OrderType.MARKET if limit is None else OrderType.LIMIT,
        limit_price=limit,
        order_id=order_id,
    )


async def _raw_round_trips(url: str, count: int) -> list[float]:
    took = []
    async with connect(f"{url}/orders", compression=None) as connection:
        for n in range(count):
            started = time.perf_counter()
            await connection.send(json.dumps({"op": "balances", "req": n}))
            await connection.recv()
            took.append(time.perf_counter() - started)
    return took


async def _paced(count: int, rate: float, one: Callable[[int], Any]) -> None:
    """Start ``one(n)`` for n in range(count) on schedule at ``rate`` a second."""
    start = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)


async def _paced_submits(url: str, count: int, rate: float, run: str) -> list[float]:
    client = ExchangeClient(url, timeout=10)
    await client.balances()  # connected before the clock starts
    took: list[float] = []

    async def one(n: int) -> None:
        order = _order(f"{run}-{n}")
        started = time.perf_counter()
        result = await client.submit(order)
        took.append(time.perf_counter() - started)
        assert result.outcome is Outcome.CONFIRMED, result

    await _paced(count, rate, one)
    await client.close()
    return took


async def _submits_to_fills(url: str, count: int, rate: float, run: str) -> list[float]:
    """Market orders against a replay of quotes; submit to the fill's push."""
    client = ExchangeClient(url, timeout=10)
    await client.balances()
    started: dict[str, float] = {}
    took: list[float] = []
    filled = asyncio.Event()

    async def follow() -> None:
        async for update in client.updates():
            if isinstance(update, FillRecord) and update.client_order_id in started:
                took.append(time.perf_counter() - started.pop(update.client_order_id))
                if len(took) == count:
                    filled.set()

    async def one(n: int) -> None:
        order = _order(f"{run}-{n}", Side.BUY if n % 2 == 0 else Side.SELL, None)
        started[order.order_id] = time.perf_counter()
        result = await client.submit(order)
        assert result.outcome is Outcome.CONFIRMED, result

    following = asyncio.create_task(follow())
    await _paced(count, rate, one)
    await asyncio.wait_for(filled.wait(), 30)
    following.cancel()
    await client.close()
    return took


async def _read_feed(url: str, stop: asyncio.Event) -> None:
    async with connect(url, compression=None, max_queue=None) as feed:
        while not stop.is_set():
            await feed.recv()


async def _fills_run(url: str, count: int, repeat: int) -> list[list[float]]:
    stop = asyncio.Event()
    reading = asyncio.create_task(_read_feed(url, stop))
    await asyncio.sleep(0.5)  # the replay under way
    runs = [await _submits_to_fills(url, count, 100.0, f"fill-{r}") for r in range(repeat)]
    stop.set()
    reading.cancel()
    return runs


def _write_quotes(path: Path) -> Path:
    """Quotes one second apart (replayed at --speed 1000: one a millisecond)."""
    lines = ["ts,bid,ask,instrument"]
    start = 1_704_067_200
    for n in range(_QUOTES):
        mid = 100.0 + (n % 200) * 0.01
        ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + n))
        lines.append(f"{ts},{mid - 0.01:.2f},{mid + 0.01:.2f},ACME")
    path.write_text("\n".join(lines) + "\n")
    return path


def _line(label: str, runs: list[list[float]], raw: tuple[float, float] | None) -> str:
    p50 = statistics.median(_percentile(r, 0.5) for r in runs) * 1e6
    p99 = statistics.median(_percentile(r, 0.99) for r in runs) * 1e6
    text = f"{label}: p50 {p50:.0f} us, p99 {p99:.0f} us"
    if raw is not None:
        text += f" ({p50 / raw[0]:.2f}x / {p99 / raw[1]:.2f}x raw)"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="where an order's time goes")
    parser.add_argument("--stage-server", nargs=2, metavar=("STATE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage_server:
        asyncio.run(_stage_server(*args.stage_server))
        return
    if args.stages:
        _stages(args.orders)
        return
    with tempfile.TemporaryDirectory() as folder:
        for label, state in (("sqlite", str(Path(folder) / "venue.db")), ("memory", ":memory:")):
            process, url = _start(state)
            try:
                raw_runs = [
                    asyncio.run(_raw_round_trips(url, args.orders)) for _ in range(args.repeat)
                ]
                raw = (
                    statistics.median(_percentile(r, 0.5) for r in raw_runs) * 1e6,
                    statistics.median(_percentile(r, 0.99) for r in raw_runs) * 1e6,
                )
                print(_line(f"[{label}] raw request/reply", raw_runs, None), flush=True)
                for rate in (100.0, 1000.0):
                    runs = [
                        asyncio.run(_paced_submits(url, args.orders, rate, f"{rate:g}-{r}"))
                        for r in range(args.repeat)
                    ]
                    title = f"[{label}] submit -> ack at {rate:,.0f} orders/s"
                    print(_line(title, runs, raw), flush=True)
            finally:
                _stop(process)
        quotes = str(_write_quotes(Path(folder) / "quotes.csv"))
        state = str(Path(folder) / "fills.db")
        process, url = _start(state, "--data", quotes, "--speed", "1000")
        try:
            runs = asyncio.run(_fills_run(url, args.orders, args.repeat))
            title = "[sqlite] submit -> fill at 100 orders/s, 1,000 quotes/s replayed"
            print(_line(title, runs, None), flush=True)
        finally:
            _stop(process)


# -- --stages: timestamps at each stage of an order, on both sides ------------------------

_STAMPS: dict[str, dict[str, int]] = defaultdict(dict)
_WOKEN = [0, 0]  # the last return from the selector: wall and thread CPU time, ns


def _probe_selector() -> None:
    """Stamp each return of the event loop's selector (the process woken up)."""
    import selectors

    selector = selectors.DefaultSelector
    select = selector.select

    def stamped(self: selectors.BaseSelector, timeout: float | None = None) -> Any:
        events = select(self, timeout)  # type: ignore[arg-type]
        _WOKEN[0] = time.perf_counter_ns()
        _WOKEN[1] = time.thread_time_ns()
        return events

    selector.select = stamped  # type: ignore[method-assign]


async def _stage_server(state: str, out: str) -> None:
    """The exchange in this process, stamping each order's stages."""
    from tickwire.data import sample_data_paths
    from tickwire.exchange import Exchange, _server, _state, load_market_data

    _probe_selector()
    answer = _server.Exchange._answer_now
    commit = _state.ExchangeState.commit
    write = _server._Link.write_now
    current: dict[str, int] = {}

    def answer_now(self: Any, link: Any, message: bytes) -> bool:
        stamps = _STAMPS[str(msgspec.json.decode(message).get("client_order_id", ""))]
        stamps.update(s_woken=_WOKEN[0], s_woken_cpu=_WOKEN[1], s_read=time.perf_counter_ns())
        current.clear()
        handled: bool = answer(self, link, message)
        stamps.update(current)
        return handled

    def commit_stamped(self: Any, *args: Any) -> None:
        current["s_commit0"] = time.perf_counter_ns()
        commit(self, *args)
        current["s_commit1"] = time.perf_counter_ns()

    def write_stamped(self: Any, data: bytes) -> None:
        current["s_write0"] = time.perf_counter_ns()
        write(self, data)
        current["s_written"] = time.perf_counter_ns()
        current["s_written_cpu"] = time.thread_time_ns()

    _server.Exchange._answer_now = answer_now  # type: ignore[method-assign]
    _state.ExchangeState.commit = commit_stamped  # type: ignore[method-assign]
    _server._Link.write_now = write_stamped  # type: ignore[method-assign]
    exchange = Exchange(load_market_data(sample_data_paths()), state=state, port=0)
    await exchange.start()
    print(exchange.url, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await exchange.stop()
    Path(out).write_text(json.dumps(_STAMPS))


async def _stage_client(url: str, count: int) -> dict[str, dict[str, int]]:
    from tickwire.exchange import _client

    take = _client.ExchangeClient._take
    last: dict[str, int] = {}

    def take_stamped(self: Any, raw: bytes) -> bool:
        last.update(c_woken=_WOKEN[0], c_woken_cpu=_WOKEN[1], c_read=time.perf_counter_ns())
        return take(self, raw)

    _client.ExchangeClient._take = take_stamped  # type: ignore[method-assign]
    client = ExchangeClient(url, timeout=10)
    await client.balances()
    stamps: dict[str, dict[str, int]] = {}

    async def one(n: int) -> None:
        order = _order(f"stage-{n}")
        started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
        result = await client.submit(order)
        ended, ended_cpu = time.perf_counter_ns(), time.thread_time_ns()
        assert result.outcome is Outcome.CONFIRMED, result
        stamps[order.order_id] = dict(
            c_submit=started, c_submit_cpu=started_cpu, c_done=ended, c_done_cpu=ended_cpu, **last
        )

    await _paced(count, 100.0, one)
    await client.close()
    return stamps


def _stages(count: int) -> None:
    _probe_selector()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "server.json"
        process = subprocess.Popen(
            [sys.executable, __file__, "--stage-server", str(Path(folder) / "s.db"), str(out)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        try:
            client = asyncio.run(_stage_client(url, count))
        finally:
            _stop(process)
        server = json.loads(out.read_text())
    rows = [{**c, **server[key]} for key, c in client.items() if "s_written" in server.get(key, {})]

    def span(a: str, b: str) -> Callable[[dict[str, int]], float]:
        return lambda r: (r[b] - r[a]) / 1e3

    def cpu(a: str, b: str) -> Callable[[dict[str, int]], float]:
        return lambda r: (r[b + "_cpu"] - r[a + "_cpu"]) / 1e3

    stages: list[tuple[str, Callable[[dict[str, int]], float]]] = [
        ("submit -> ack (client)", span("c_submit", "c_done")),
        ("client: submit -> exchange woken", span("c_submit", "s_woken")),
        ("exchange: woken -> request read", span("s_woken", "s_read")),
        ("exchange: read -> commit", span("s_read", "s_commit0")),
        ("exchange: SQLite commit", span("s_commit0", "s_commit1")),
        ("exchange: commit -> reply written", span("s_commit1", "s_written")),
        ("exchange written -> client woken", span("s_written", "c_woken")),
        ("client: woken -> reply read", span("c_woken", "c_read")),
        ("client: reply read -> submit returns", span("c_read", "c_done")),
        ("exchange CPU, woken -> written", cpu("s_woken", "s_written")),
        ("exchange wall, woken -> written", span("s_woken", "s_written")),
        ("client CPU, submit -> returns", cpu("c_submit", "c_done")),
    ]
    worst = sorted(rows, key=stages[0][1])[-max(1, len(rows) // 100) :]
    print(f"{len(rows)} orders at 100/s, us:      p50      p90      p99  mean of slowest 1%")
    for name, value in stages:
        values = [value(r) for r in rows]
        slowest = statistics.mean(value(r) for r in worst)
        print(
            f"  {name:38s} {_percentile(values, 0.5):8.0f} {_percentile(values, 0.9):8.0f} "
            f"{_percentile(values, 0.99):8.0f} {slowest:8.0f}"
        )


if __name__ == "__main__":
    main()
