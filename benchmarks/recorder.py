"""What recording costs: Bar events through a bus with and without the Recorder attached.

Usage: python benchmarks/recorder.py [--events N] [--store PATH_OR_URL] [--subscriber KIND]
       [--batch-size B] [--flush-interval S] [--switch-interval S] [--synchronous MODE]
       [--no-compress]
       [--repeat R] [--profile]

Publishes N Bar events (made in the loop, as a data feed does) to one subscriber, first
unrecorded, then with a Recorder attached; the recorded time includes ``close()`` (the
final flush and commit). Prints events/s for both, their ratio and the recording cost per
event. ``--subscriber trivial`` counts events; ``ema`` updates two EMAs and checks for a
cross, about the work of the EMA-cross backtest. The default store is a fresh SQLite file
in a temporary folder; pass ``postgresql://...`` to measure PostgreSQL (schema
``tickwire_bench``, dropped afterwards). ``--profile`` prints a cProfile of one recorded run.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tickwire.bus import EventBus
from tickwire.events import Bar
from tickwire.persistence import PostgresStore, Recorder, SQLiteStore
from tickwire.persistence.port import EventStore


def trivial_subscriber() -> Callable[[Bar], None]:
    count = [0]

    def on_bar(bar: Bar) -> None:
        count[0] += 1

    return on_bar


def ema_subscriber() -> Callable[[Bar], None]:
    state = [0.0, 0.0, 0.0]  # fast EMA, slow EMA, last difference
    fast_alpha, slow_alpha = 2 / 11, 2 / 31

    def on_bar(bar: Bar) -> None:
        close = bar.close
        fast = state[0] + fast_alpha * (close - state[0])
        slow = state[1] + slow_alpha * (close - state[1])
        diff = fast - slow
        if (diff > 0) != (state[2] > 0):
            state[2] = diff
        state[0], state[1] = fast, slow

    return on_bar


SUBSCRIBERS = {"trivial": trivial_subscriber, "ema": ema_subscriber}


def publish_bars(bus: EventBus, n: int) -> None:
    publish = bus.publish
    for i in range(n):
        close = 100.0 + (i % 100) * 0.01
        publish(
            Bar(
                ts_event_ns=i,
                instrument="AAPL",
                open=close,
                high=close,
                low=close,
                close=close,
                volume=1000.0,
                interval="1m",
            )
        )


Timing = tuple[float, float]
"""(wall seconds, CPU seconds of the whole process)."""


def unrecorded(n: int, subscriber: str) -> Timing:
    bus = EventBus()
    bus.subscribe(Bar, SUBSCRIBERS[subscriber]())
    start, cpu = time.perf_counter(), time.process_time()
    publish_bars(bus, n)
    return time.perf_counter() - start, time.process_time() - cpu


def recorded(
    n: int,
    subscriber: str,
    store: EventStore,
    batch_size: int,
    flush_interval: float,
    switch_interval: float | None,
) -> Timing:
    bus = EventBus()
    bus.subscribe(Bar, SUBSCRIBERS[subscriber]())
    recorder = Recorder(
        store,
        strategy="benchmark",
        batch_size=batch_size,
        flush_interval=flush_interval,
        switch_interval=switch_interval,
    )
    start, cpu = time.perf_counter(), time.process_time()
    recorder.attach(bus)
    publish_bars(bus, n)
    recorder.close()
    elapsed = time.perf_counter() - start, time.process_time() - cpu
    if store.get_run(recorder.run_id).event_count != n:
        raise SystemExit("the recorder lost events")
    return elapsed


def open_bench_store(
    target: str | None, folder: Path, synchronous: str, compress: bool
) -> EventStore:
    if target and target.startswith("postgres"):
        return PostgresStore(target, schema="tickwire_bench", compress=compress)
    return SQLiteStore(target or folder / "bench.db", synchronous=synchronous, compress=compress)


def median(timings: list[Timing]) -> Timing:
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store", default=None, help="SQLite path or postgresql:// URL")
    parser.add_argument("--subscriber", choices=sorted(SUBSCRIBERS), default="trivial")
    parser.add_argument("--batch-size", type=int, default=65_536)
    parser.add_argument("--flush-interval", type=float, default=Recorder.DEFAULT_FLUSH_INTERVAL)
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=Recorder.DEFAULT_SWITCH_INTERVAL,
        help="GIL switch interval while recording; 0 leaves the interpreter's as it is",
    )
    parser.add_argument("--synchronous", default="NORMAL", help="SQLite durability setting")
    parser.add_argument("--no-compress", action="store_true", help="store payloads as is")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    n = args.events
    switch = args.switch_interval or None
    settings = (args.batch_size, args.flush_interval, switch)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_bench_store(args.store, Path(tmp), args.synchronous, not args.no_compress)
        try:
            base = median([unrecorded(n, args.subscriber) for _ in range(args.repeat)])
            rec = median(
                [recorded(n, args.subscriber, store, *settings) for _ in range(args.repeat)]
            )
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(recorded, n, args.subscriber, store, *settings)
                pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        finally:
            if isinstance(store, PostgresStore):
                store.drop_schema()
            else:
                store.close()

    print(
        f"store: {args.store or 'SQLite (temporary file)'}, subscriber: {args.subscriber}, "
        f"compress: {not args.no_compress}"
    )
    print(f"unrecorded: {n / base[0]:12,.0f} events/s")
    print(f"recorded:   {n / rec[0]:12,.0f} events/s (including the final flush)")
    print(f"ratio:      {base[0] / rec[0]:12.2f} (target >= 0.70)")
    print(f"cost:       {(rec[0] - base[0]) / n * 1e6:12.3f} us per event (wall)")
    print(f"cpu cost:   {(rec[1] - base[1]) / n * 1e6:12.3f} us per event (all threads)")


if __name__ == "__main__":
    main()
