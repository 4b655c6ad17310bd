"""Market data through PUB/SUB between two processes: raw pyzmq against tickwire's
transport, batched and unbatched, in the same run.

Usage: python benchmarks/transport.py [--events N] [--repeat R] [--signals S]

Each case publishes N ticks from this process to a subscriber process on loopback TCP,
as fast as the publisher can, and prints what the subscriber received per second (from
its first message to its last, median of R runs):

- ``raw pyzmq``: single frames, the bytes of tickwire's unbatched frame of one tick
  (161 bytes), ``recv`` and nothing else (the baseline);
- ``raw pyzmq + msgpack``: the same frames, each unpacked with ``msgpack``;
- ``raw pyzmq batched + msgpack``: tickwire's batched frames of 100 ticks, each unpacked
  with ``msgpack`` (every event decoded to a dict, nothing checked);
- ``tickwire unbatched``: the gateway's bus -> OutboundBridge -> XPUB -> SUB ->
  decode and check every event -> the strategy's bus (a handler counts the ticks);
- ``tickwire batched``: the same with ``Batching(max_events=100)`` (the default route).

The publisher's drops (raw PUB drops silently at its high-water mark; tickwire counts
``dropped_ticks``) are printed beside; received/s is the figure to compare.

Then the latency from the gateway's bus to the strategy's bus at a paced 50 k ticks/s
(the default batched route; p50, p99, p99.9), and the round trip of a signal to an
executor process on an exactly-once route (SQLite), from ``publish`` to its
acknowledgement, which comes after the order was placed on the executor's bus.

``--hot-path PATH N BATCH`` runs one side's hot path in this process alone, for
``valgrind --tool=callgrind`` (instructions per tick: the difference of two N, divided by
their difference): ``pub`` publishes N ticks on a bus bridged to an XPUB with no
subscriber (batch, encode, send); ``sub`` hands N ticks, in frames of BATCH built first,
to a subscriber's frame handler (decode, check, gap check, bus); ``frames`` only builds
those frames (to subtract).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import msgpack
import zmq

from tickwire.bus import EventBus
from tickwire.events import Tick
from tickwire.transport import (
    Batching,
    FrameEncoder,
    MarketDataPublisher,
    MarketDataSubscriber,
    OutboundBridge,
    Pump,
    market_data_route,
)

_HWM = 100_000
_RAW_BATCH = 100
_IDLE_MS = 1_000


def _ticks(n: int) -> list[Tick]:
    return [
        Tick(ts_event_ns=1_700_000_000_000_000_000 + i, instrument="ACME", bid=100.0, ask=100.5)
        for i in range(n)
    ]


def _sink(kind: str, endpoint: str, expected: int) -> None:
    """The subscriber process: receive until ``expected`` events or a second of silence;
    print ``received elapsed_s``."""
    count, first, last = 0, 0.0, 0.0
    if kind.startswith("raw"):
        sock = zmq.Context.instance().socket(zmq.SUB)
        sock.setsockopt(zmq.RCVHWM, _HWM)
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect(endpoint)
        print("READY", flush=True)
        unpack = kind != "raw"
        while count < expected and sock.poll(_IDLE_MS):
            while count < expected:
                try:
                    frame = sock.recv(zmq.NOBLOCK)
                except zmq.Again:
                    break
                if count == 0:
                    first = time.perf_counter()
                count += len(msgpack.unpackb(frame[10:])[4]) if unpack else 1
            last = time.perf_counter()
    else:
        bus = EventBus()
        seen = [0]

        def on_tick(tick: Tick) -> None:
            seen[0] += 1

        bus.subscribe(Tick, on_tick)
        subscriber = MarketDataSubscriber(
            endpoint, bus.publish, dead_letters=bus.dead_letters, high_water_mark=_HWM
        )
        pump = Pump([subscriber])
        print("READY", flush=True)
        while seen[0] < expected and pump.once(_IDLE_MS / 1000):
            if first == 0.0:
                first = time.perf_counter()
            last = time.perf_counter()
        count = seen[0]
    print(f"{count} {max(last - first, 1e-9)}", flush=True)


def _latency_sink(endpoint: str, expected: int) -> None:
    """Receive ``expected`` ticks (or a second of silence); print the p50, p99 and p99.9
    of (arrival - ts_event_ns) in microseconds, the publisher's wall clock in the tick."""
    bus = EventBus()
    delays: list[int] = []

    def on_tick(tick: Tick) -> None:
        delays.append(time.time_ns() - tick.ts_event_ns)

    bus.subscribe(Tick, on_tick)
    subscriber = MarketDataSubscriber(
        endpoint, bus.publish, dead_letters=bus.dead_letters, high_water_mark=_HWM
    )
    pump = Pump([subscriber])
    print("READY", flush=True)
    while len(delays) < expected and pump.once(_IDLE_MS / 1000):
        pass
    delays.sort()
    cuts = [delays[min(len(delays) - 1, int(len(delays) * q))] / 1000 for q in (0.5, 0.99, 0.999)]
    print(f"{len(delays)} " + " ".join(f"{cut:.1f}" for cut in cuts), flush=True)


def _paced_latency(rate: int, seconds: float) -> tuple[int, list[float]]:
    """Publish ``rate`` ticks/s for ``seconds`` (batched, the default route), a burst each
    millisecond; the subscriber process's latency percentiles in µs."""
    bus = EventBus()
    route = market_data_route("tcp://127.0.0.1:*", high_water_mark=_HWM)
    bridge = OutboundBridge(bus, route, sender="gateway")
    assert isinstance(bridge.socket, MarketDataPublisher)
    total = int(rate * seconds)
    sink = subprocess.Popen(
        [sys.executable, __file__, "--latency-sink", bridge.socket.bound, str(total)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None
    assert sink.stdout.readline().strip() == "READY"
    assert bridge.socket.wait_for_subscribers(1, 30)
    pump = Pump([bridge])
    per_ms = max(1, rate // 1000)
    start = time.monotonic()
    for n in range(0, total, per_ms):
        for _ in range(min(per_ms, total - n)):
            bus.publish(Tick(ts_event_ns=time.time_ns(), instrument="ACME", bid=1.0, ask=1.5))
        next_ms = start + (n + per_ms) / rate
        while (left := next_ms - time.monotonic()) > 0:
            pump.once(left)  # sends the batch when it is due, sleeps in the poll
    bridge.socket.flush()
    line = sink.stdout.readline().split()
    sink.wait(30)
    sink.stdout.close()
    bridge.close()
    return int(line[0]), [float(x) for x in line[1:]]


def _executor(endpoint: str, acks: str, store_path: str) -> None:
    """An executor process: exactly-once receiver on a SQLite store, a SignalExecutor
    placing each order on its bus."""
    from tickwire.execution import SignalExecutor
    from tickwire.transport import Guarantee, InboundBridge, signal_route

    bus = EventBus()
    SignalExecutor(bus)
    route = signal_route(endpoint, acks, guarantee=Guarantee.EXACTLY_ONCE, store_path=store_path)
    bridge = InboundBridge(bus, route)
    print("READY", flush=True)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    Pump([bridge]).run(stop)


def _round_trips(count: int) -> list[float]:
    """Send ``count`` signals one at a time over an exactly-once route, each waiting for
    its acknowledgement (the order placed at the executor); p50, p99 in µs."""
    from tickwire.events import Signal
    from tickwire.transport import SignalSender

    folder = tempfile.mkdtemp()
    endpoint, acks = f"ipc://{folder}/signals", f"ipc://{folder}/acks"
    executor = subprocess.Popen(
        [sys.executable, __file__, "--executor", endpoint, acks, f"{folder}/processed.db"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert executor.stdout is not None and executor.stdin is not None
    assert executor.stdout.readline().strip() == "READY"
    bus = EventBus()
    sender = SignalSender(
        endpoint, acks, bus.publish, sender="bench", dead_letters=bus.dead_letters
    )
    pump = Pump([sender])
    trips: list[float] = []
    for n in range(count + 50):  # the first 50 warm up (and wait out the slow joiner)
        signal = Signal(
            ts_event_ns=1,
            instrument="ACME",
            side=Signal.BUY,
            trigger_price=1.0,
            quantity=1.0,
            id=f"bench-{n}",
        )
        start = time.perf_counter()
        sender.publish(signal)
        while sender.in_flight:
            pump.once(1.0)
        if n >= 50:
            trips.append((time.perf_counter() - start) * 1e6)
    sender.close()
    executor.stdin.close()
    executor.wait(30)
    executor.stdout.close()
    shutil.rmtree(folder)
    trips.sort()
    return [trips[int(len(trips) * q)] for q in (0.5, 0.99)]


def _hot_path(path: str, events: int, batch: int) -> None:
    """One side's hot path on ``events`` ticks, for callgrind (see the module's doc)."""
    ticks = _ticks(1_000)
    bus = EventBus()
    if path == "pub":
        batching = Batching(max_events=batch) if batch > 1 else None
        OutboundBridge(bus, market_data_route("inproc://hot-pub", batching=batching), sender="gw")
        for start in range(0, events, len(ticks)):
            for tick in ticks[: events - start]:
                bus.publish(tick)
        return
    encoder = FrameEncoder("gateway")
    frames = [
        bytes(encoder.frame(b"TICK.ACME", "Tick", n * batch, ticks[:batch]))
        for n in range(events // batch)
    ]
    if path == "frames":
        return
    seen = [0]

    def on_tick(tick: Tick) -> None:
        seen[0] += 1

    bus.subscribe(Tick, on_tick)
    subscriber = MarketDataSubscriber(
        "inproc://hot-sub", bus.publish, dead_letters=bus.dead_letters
    )
    for frame in frames:
        subscriber._handle(frame)
    assert seen[0] == events // batch * batch, seen[0]


def _run(kind: str, events: int) -> tuple[float, int]:
    """One case: (events received per second, events the publisher dropped)."""
    context = zmq.Context.instance()
    # the bytes of tickwire's unbatched frame of one tick, so both send the same
    per_frame = _RAW_BATCH if kind == "raw-batched" else 1
    tick_frame = bytes(FrameEncoder("gateway").frame(b"TICK.ACME", "Tick", 0, _ticks(per_frame)))
    publisher: MarketDataPublisher | None = None
    bus = EventBus()
    if kind.startswith("raw"):
        raw = context.socket(zmq.XPUB)
        raw.setsockopt(zmq.SNDHWM, _HWM)
        raw.bind("tcp://127.0.0.1:*")
        endpoint = raw.getsockopt_string(zmq.LAST_ENDPOINT)
    else:
        batching = Batching(max_events=100, max_delay_us=200) if kind == "batched" else None
        route = market_data_route("tcp://127.0.0.1:*", batching=batching, high_water_mark=_HWM)
        bridge = OutboundBridge(bus, route, sender="gateway", context=context)
        assert isinstance(bridge.socket, MarketDataPublisher)
        publisher = bridge.socket
        endpoint = publisher.bound
    sink = subprocess.Popen(
        [sys.executable, __file__, "--sink", kind, endpoint, str(events)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None
    assert sink.stdout.readline().strip() == "READY"
    dropped = 0
    if publisher is None:
        raw.recv()  # the subscription: the subscriber is connected
        for _ in range(events // per_frame):
            raw.send(tick_frame)
        raw.close(linger=5_000)
    else:
        assert publisher.wait_for_subscribers(1, 30)
        ticks = _ticks(1_000)
        publish = bus.publish
        for start in range(0, events, len(ticks)):
            for tick in ticks[: events - start]:
                publish(tick)
        publisher.flush()
        dropped = publisher.dropped_ticks
        publisher.close(linger_ms=5_000)
    received, elapsed = sink.stdout.readline().split()
    sink.wait(30)
    sink.stdout.close()
    return int(received) / float(elapsed), dropped


def main() -> None:
    """Run every case ``--repeat`` times and print medians and ratios to raw pyzmq."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--signals", type=int, default=2_000)
    parser.add_argument("--sink", nargs=3, metavar=("KIND", "ENDPOINT", "EVENTS"))
    parser.add_argument("--latency-sink", nargs=2, metavar=("ENDPOINT", "EVENTS"))
    parser.add_argument("--executor", nargs=3, metavar=("ENDPOINT", "ACKS", "STORE"))
    parser.add_argument("--hot-path", nargs=3, metavar=("PATH", "N", "BATCH"))
    args = parser.parse_args()
    if args.hot_path:
        _hot_path(args.hot_path[0], int(args.hot_path[1]), int(args.hot_path[2]))
        return
    if args.sink:
        kind, endpoint, expected = args.sink
        _sink(kind, endpoint, int(expected))
        return
    if args.latency_sink:
        _latency_sink(args.latency_sink[0], int(args.latency_sink[1]))
        return
    if args.executor:
        _executor(*args.executor)
        return
    cases = {
        "raw pyzmq": "raw",
        "raw pyzmq + msgpack": "raw-msgpack",
        "raw batched + msgpack": "raw-batched",
        "tickwire unbatched": "unbatched",
        "tickwire batched (100)": "batched",
    }
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # interleaved, so a slow moment of the machine hits all
        for name, kind in cases.items():
            results[name].append(_run(kind, args.events))
    baseline = statistics.median(rate for rate, _ in results["raw pyzmq"])
    print(f"{args.events:,} ticks a run, median of {args.repeat} runs, loopback TCP, 2 processes")
    print(f"{'case':<26}{'received/s':>14}{'vs raw':>9}{'dropped (median)':>19}")
    for name, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        dropped = statistics.median(d for _, d in runs)
        shown = "silent" if name.startswith("raw") else f"{dropped:,.0f}"
        print(f"{name:<26}{rate:>14,.0f}{rate / baseline:>9.2f}{shown:>19}")
    runs = [_paced_latency(50_000, 2.0) for _ in range(args.repeat)]
    p50, p99, p999 = (statistics.median(run[1][i] for run in runs) for i in range(3))
    received = statistics.median(run[0] for run in runs)
    print(
        f"gateway -> strategy latency at a paced 50k ticks/s (batched, {received:,.0f} of "
        f"100,000 received): p50 {p50:.0f} µs, p99 {p99:.0f} µs, p99.9 {p999:.0f} µs"
    )
    trips = [_round_trips(args.signals) for _ in range(args.repeat)]
    print(
        f"signal -> order round trip, exactly-once (SQLite), one at a time: "
        f"p50 {statistics.median(t[0] for t in trips):.0f} µs, "
        f"p99 {statistics.median(t[1] for t in trips):.0f} µs"
    )


if __name__ == "__main__":
    main()
