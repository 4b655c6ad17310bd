"""Live feed throughput and latency over a loopback websocket, against a raw receive loop.

Usage: python benchmarks/live.py [--messages N] [--repeat R] [--seconds S]
       python benchmarks/live.py --only KIND:CLIENT [--messages N]   (one client, to profile)
       python benchmarks/live.py --in-memory KIND [--messages N]     (no socket, for callgrind)

A server in another process writes N messages as ready-made websocket frames (so that it
never limits the rate); the client measures
messages/s from the first message to the last (median of R runs) for:

- raw: a ``websockets`` receive loop decoding each message with msgspec (the baseline);
- tickwire JSON and Binance trade JSON through ``WebSocketFeed``: parsing, the market-data
  checks, sequence tracking and the bus, to a strategy-like callback.

Then the server paces messages at 1k and 10k per second for S seconds and the latency from
its send to the callback is reported (p50, p99, p99.9), using the same wall clock in both
processes (the server stamps each message's send time in its own record, keyed by
sequence number), for the feed and, alternated with it, the raw loop: what the raw loop
shows too (the machine's scheduling, the wake-up of an idle process) is not the feed's.
The collector's passes in the client are counted and timed (``gc.callbacks``) to see
whether they make the tail (a few per session at most: the events are untracked structs).

``--only binance:feed`` (or ``tickwire:raw``...) runs one throughput client and prints
nothing else, to profile it. Its instructions per message move with how many frames
each read brings, which the machine's load decides; ``--in-memory binance`` gives a
figure that does not move: N messages handed straight to the feed's receive path
(parse, checks, sequences, bus, callback), for ``valgrind --tool=callgrind
--toggle-collect=CPyDef__receive___Receiver___receive`` (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import statistics
import time
from collections.abc import Callable
from typing import Any

import msgspec
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from tickwire.bus import EventBus
from tickwire.events import Bar, Trade, encode_json
from tickwire.live import BinanceFormat, TickwireFormat, WebSocketFeed
from tickwire.live._receive import Receiver
from tickwire.live.format import FeedFormat

MINUTE = 60 * 1_000_000_000


def _tickwire_message(n: int) -> str:
    bar = Bar(
        ts_event_ns=n * MINUTE, instrument="ACME",
        open=100.0, high=101.0, low=99.0, close=100.5, volume=10.0, interval="1m",
    )  # fmt: skip
    return f'{{"seq": {n}, "event": {encode_json(bar).decode()}}}'


def _binance_message(n: int) -> str:
    trade = {
        "e": "trade", "E": 1672515782136, "s": "BTCUSDT", "t": n,
        "p": "20000.50", "q": "0.25", "T": 1672515782136, "m": True, "M": True,
    }  # fmt: skip
    return json.dumps(trade, separators=(",", ":"))


MESSAGES: dict[str, Callable[[int], str]] = {
    "tickwire": _tickwire_message,
    "binance": _binance_message,
}


# -- the server process ------------------------------------------------------------------


def _serve(kind: str, count: int, rate: float, port: Any, sends: Any) -> None:
    """Serve one connection: ``count`` messages, as fast as possible (rate 0) or paced."""
    messages = [MESSAGES[kind](n) for n in range(1, count + 1)]
    blob = b"".join(map(_frame, messages)) if not rate else b""

    async def session(connection: ServerConnection) -> None:
        stamps: list[int] = []
        if blob:  # as fast as possible: the frames are written ready-made, so that the
            connection.transport.write(blob)  # server is never what the client waits for
            await connection.close()
            sends.put(stamps)
            done.set()
            return
        start = time.perf_counter()
        for n, message in enumerate(messages):
            if rate:
                due = start + n / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                stamps.append(time.time_ns())
            await connection.send(message)
        await connection.close()
        sends.put(stamps)
        done.set()

    async def main() -> None:
        async with serve(session, "127.0.0.1", 0, max_queue=None) as server:
            port.put(server.sockets[0].getsockname()[1])
            await done.wait()

    done = asyncio.Event()
    asyncio.run(main())


def _frame(message: str) -> bytes:
    """``message`` as one unmasked text frame, as a server sends it (RFC 6455, 5.2)."""
    payload = message.encode()
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload


def _server(kind: str, count: int, rate: float = 0) -> tuple[mp.Process, str, Any]:
    context = mp.get_context("spawn")
    port: Any = context.Queue()
    sends: Any = context.Queue()
    process = context.Process(target=_serve, args=(kind, count, rate, port, sends))
    process.start()
    return process, f"ws://127.0.0.1:{port.get(timeout=30)}", sends


# -- clients -----------------------------------------------------------------------------


class _Probe(msgspec.Struct):
    seq: int = 0
    t: int = 0


class _Span:
    """Wall and CPU time from the first message to the end: messages per second of each.
    The CPU rate is the client's own work, which the machine's other processes do not
    stretch (they do stretch the wall clock, by descheduling it)."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def start(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def rates(self, count: int) -> tuple[float, float]:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return count / wall, count / cpu


async def _raw(url: str, count: int, arrivals: list[int] | None) -> tuple[float, float]:
    decode = msgspec.json.Decoder(_Probe).decode
    received = 0
    clock = time.time_ns
    span = _Span()
    async with connect(url, max_size=None) as ws:
        async for message in ws:
            if received == 0:
                span.start()
            decode(message)
            received += 1
            if arrivals is not None:
                arrivals.append(clock())
    assert received == count, received
    return span.rates(count)


async def _feed(
    url: str, count: int, fmt: FeedFormat, arrivals: list[int] | None
) -> tuple[float, float]:
    bus = EventBus()
    received = 0
    clock = time.time_ns
    span = _Span()

    def on_event(event: Any) -> None:
        nonlocal received
        if received == 0:
            span.start()
        received += 1
        if arrivals is not None:
            arrivals.append(clock())

    bus.subscribe(Bar, on_event)
    bus.subscribe(Trade, on_event)
    feed = WebSocketFeed("bench", url, bus, format=fmt, reconnect=False, idle_timeout=None)
    await feed.start()
    await feed.wait_closed()
    assert received == count and feed.stats().rejected == 0, feed.stats()
    return span.rates(count)


def _in_memory(kind: str, count: int) -> None:
    """Hand ``count`` messages to a feed's receive path, without a socket."""
    messages = [MESSAGES[kind](n) for n in range(1, count + 1)]
    bus = EventBus()
    received = 0

    def on_event(event: Any) -> None:
        nonlocal received
        received += 1

    bus.subscribe(Bar, on_event)
    bus.subscribe(Trade, on_event)
    receiver = Receiver("bench", "ws://in-memory", bus)
    receiver.connected(_format(kind).parse)
    receive = receiver.receive
    start = time.perf_counter()
    for message in messages:
        receive(message)
    took = time.perf_counter() - start
    assert received == count and receiver.rejected == 0
    print(f"{kind}: {took / count * 1e6:.2f} µs a message on the receive path")


def _format(kind: str) -> FeedFormat:
    return TickwireFormat() if kind == "tickwire" else BinanceFormat()


def _throughput(kind: str, client: str, count: int) -> tuple[float, float]:
    process, url, _ = _server(kind, count)
    try:
        if client == "raw":
            return asyncio.run(_raw(url, count, None))
        return asyncio.run(_feed(url, count, _format(kind), None))
    finally:
        process.join(30)


class _Collections:
    """The collector's passes while it is installed: how many, and how long each took."""

    def __init__(self) -> None:
        self.started = 0
        self.pauses_us: list[float] = []

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter_ns()
        else:
            self.pauses_us.append((time.perf_counter_ns() - self.started) / 1_000)

    def __enter__(self) -> _Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def _latency(
    kind: str, client: str, rate: float, seconds: float
) -> tuple[list[float], list[float]]:
    """Sorted latencies (µs) of one paced session, and the collector's pauses meanwhile."""
    count = int(rate * seconds)
    process, url, sends = _server(kind, count, rate)
    arrivals: list[int] = []
    with _Collections() as collections:
        if client == "raw":
            asyncio.run(_raw(url, count, arrivals))
        else:
            asyncio.run(_feed(url, count, _format(kind), arrivals))
    stamps = sends.get(timeout=30)
    process.join(30)
    latencies = sorted((got - sent) / 1_000 for sent, got in zip(stamps, arrivals, strict=True))
    return latencies, collections.pauses_us


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--only", metavar="KIND:CLIENT", help="one throughput run, e.g. binance:feed"
    )
    parser.add_argument("--in-memory", metavar="KIND", help="the receive path alone")
    args = parser.parse_args()
    if args.in_memory:
        _in_memory(args.in_memory, args.messages)
        return
    if args.only:
        kind, client = args.only.split(":")
        _throughput(kind, client, args.messages)
        return

    print(
        f"throughput, {args.messages:,} messages, median of {args.repeat} runs: messages per"
        " second of wall clock, and per second of the client's CPU time"
    )
    for kind in MESSAGES:
        raw: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        for _ in range(args.repeat):  # interleaved: both see the same machine
            raw.append(_throughput(kind, "raw", args.messages))
            ours.append(_throughput(kind, "feed", args.messages))
        for i, clock in enumerate(("wall", "cpu")):
            r = statistics.median(rates[i] for rates in raw)
            o = statistics.median(rates[i] for rates in ours)
            print(
                f"  {kind:9} {clock:4} raw receive+decode {r:>9,.0f}   WebSocketFeed {o:>9,.0f}",
                end="",
            )
            print(f"   {o / r:.2f}x")

    print(f"latency from the server's send to the callback, {args.seconds:g} s each (µs)")
    for kind in MESSAGES:
        for rate in (1_000, 10_000):
            for client in ("raw", "feed"):  # alternated: both see the same machine
                values, pauses = _latency(kind, client, rate, args.seconds)
                p50, p99, p999 = (_quantile(values, q) for q in (0.5, 0.99, 0.999))
                longest = max(pauses, default=0.0)
                print(
                    f"  {kind:9} {rate:>6,}/s {client:4}  p50 {p50:6.0f}  p99 {p99:6.0f}"
                    f"  p99.9 {p999:6.0f}  ({len(values):,} messages; {len(pauses)} gc passes,"
                    f" longest {longest:.0f})"
                )


if __name__ == "__main__":
    main()
