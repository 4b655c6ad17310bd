"""Publish throughput of the tickwire bus against pyee and blinker, in one run.

Usage: python benchmarks/bus.py [--events N] [--repeat R]

Prints events/s (median of R runs) for publishing to 1 and to 10 sync handlers, with
per-type counting on and timing off (tickwire's default), the same for pyee and blinker,
and the ratios. Also a threaded subscriber end to end (publish -> queue -> worker thread),
with an unbounded queue (the default) and with a bounded one (``maxsize=1024``, block),
whose put takes a lock so that the bound holds with any number of publishers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from tickwire.bus import EventBus
from tickwire.events import Bar


def _bar() -> Bar:
    return Bar(ts_event_ns=1, instrument="X", open=1.0, high=1.0, low=1.0, close=1.0)


def _handler() -> Callable[[object], None]:
    """A distinct do-nothing handler (pyee keys handlers by identity, so no sharing)."""

    def handler(event: object) -> None:
        return None

    return handler


def _rate(run: Callable[[int], None], events: int, repeat: int) -> float:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(events)
        rates.append(events / (time.perf_counter() - start))
    return statistics.median(rates)


def tickwire_sync(handlers: int) -> Callable[[int], None]:
    bus = EventBus()
    for handler in [_handler() for _ in range(handlers)]:
        bus.subscribe(Bar, handler)
    event = _bar()

    def run(n: int) -> None:
        publish = bus.publish
        for _ in range(n):
            publish(event)

    return run


def pyee_sync(handlers: int) -> Callable[[int], None]:
    from pyee import EventEmitter

    emitter = EventEmitter()
    for handler in [_handler() for _ in range(handlers)]:
        emitter.on("bar", handler)
    event = _bar()

    def run(n: int) -> None:
        emit = emitter.emit
        for _ in range(n):
            emit("bar", event)

    return run


def blinker_sync(handlers: int) -> Callable[[int], None]:
    from blinker import Signal

    signal = Signal()
    for handler in [_handler() for _ in range(handlers)]:
        signal.connect(handler, weak=False)
    event = _bar()

    def run(n: int) -> None:
        send = signal.send
        for _ in range(n):
            send(event)

    return run


def tickwire_threaded(maxsize: int = 0) -> Callable[[int], None]:
    bus = EventBus()
    worker = bus.threaded_subscriber("bench", maxsize=maxsize)
    worker.subscribe(Bar, _handler())
    event = _bar()

    def run(n: int) -> None:
        publish = bus.publish
        for _ in range(n):
            publish(event)
        bus.wait_until_system_idle()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, r = args.events, args.repeat

    print(f"events per run: {n:,}; median of {r} runs; events/s")
    for handlers in (1, 10):
        ours = _rate(tickwire_sync(handlers), n, r)
        pyee = _rate(pyee_sync(handlers), n, r)
        blinker = _rate(blinker_sync(handlers), n, r)
        print(
            f"{handlers:>2} handler(s): tickwire {ours / 1e6:6.2f} M/s | "
            f"pyee {pyee / 1e6:5.2f} M/s ({ours / pyee:4.1f}x) | "
            f"blinker {blinker / 1e6:5.2f} M/s ({ours / blinker:4.1f}x)"
        )
    threaded = _rate(tickwire_threaded(), n, r)
    print(f"threaded subscriber, end to end: tickwire {threaded / 1e6:6.2f} M/s")
    bounded = _rate(tickwire_threaded(maxsize=1024), n, r)
    print(
        f"threaded subscriber, bounded (maxsize=1024), end to end: tickwire "
        f"{bounded / 1e6:6.2f} M/s ({bounded / threaded:.2f} of unbounded)"
    )


if __name__ == "__main__":
    main()
