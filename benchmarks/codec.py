"""Decode and encode throughput of the event codec, against bare msgspec in the same run.

Usage: python benchmarks/codec.py [--events N] [--repeat R]

Prints events/s (median of R runs) for ``decode`` and ``decode_json`` of N distinct bars
(each call decodes one bar, as a transport or a store reader does), for ``encode``, and
for a bare ``msgspec`` decoder typed ``Bar`` alone; the ratio to the bare decoder is
what the codec adds (the union of event types, the checks of the decoded values).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import msgspec

from tickwire.events import Bar, decode, decode_json, encode, encode_json


def _bars(n: int) -> list[Bar]:
    start = 1_700_000_000_000_000_000
    return [
        Bar(
            ts_event_ns=start + i * 60_000_000_000,
            ts_created_ns=start + i,
            instrument="ACME",
            open=100.0 + i % 7,
            high=108.0 + i % 5,
            low=99.0 - i % 3,
            close=101.0 + i % 4,
            volume=float(i % 1000),
            interval="1m",
        )
        for i in range(n)
    ]


def _rate(run: Callable[[], object], events: int, repeat: int) -> float:
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        rates.append(events / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bars = _bars(args.events)
    packed = [encode(b) for b in bars]
    texts = [encode_json(b) for b in bars]
    bare = msgspec.msgpack.Decoder(Bar).decode
    assert [decode(p) for p in packed[:100]] == bars[:100]

    figures = {
        "bare msgspec Decoder(Bar)": _rate(
            lambda: list(map(bare, packed)), args.events, args.repeat
        ),
        "decode (msgpack)": _rate(lambda: list(map(decode, packed)), args.events, args.repeat),
        "decode_json": _rate(lambda: list(map(decode_json, texts)), args.events, args.repeat),
        "encode (msgpack)": _rate(lambda: list(map(encode, bars)), args.events, args.repeat),
    }
    baseline = figures["bare msgspec Decoder(Bar)"]
    for name, rate in figures.items():
        print(f"{name:28s} {rate / 1e6:6.2f} M bars/s   {rate / baseline:5.2f}x bare decoder")


if __name__ == "__main__":
    main()
