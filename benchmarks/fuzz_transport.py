"""Fuzzes every receiving socket of the transport with 100,000 frames each.

Usage: python benchmarks/fuzz_transport.py [--frames N] [--seed S]

For each socket (a market-data SUB, the executor's PULL, a signal sender's ack SUB, the
order gateway's REP) it sends N frames over real ZeroMQ sockets (half byte mutations of
valid frames, half random bytes; the driver is ``tests/transport/fuzzing.py``, which the
tests run with fewer frames), then one valid frame, and prints how many were accepted and
rejected, the dead letters and ErrorEvents kept, and the frames handled per second. Exit
status 1 unless, at every socket, every frame was handled (the last one too: no crash)
and every reject is an ErrorEvent and a dead letter holding its raw bytes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/

from tests.transport.fuzzing import SOCKETS, fuzz_socket


def main() -> int:
    """Fuzz each socket; print one line each; 1 if any socket broke a rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    print(f"{args.frames:,} fuzzed frames + 1 valid frame per socket, seed {args.seed}")
    header = ("socket", "accepted", "rejected", "dead letters", "ErrorEvents", "frames/s", "ok")
    print("{:<9}{:>10}{:>10}{:>14}{:>13}{:>10}{:>5}".format(*header))
    failed = False
    for socket in SOCKETS:
        with tempfile.TemporaryDirectory() as folder:
            run = fuzz_socket(socket, args.frames, Path(folder), seed=args.seed)
        ok = (
            not run.errors
            and run.last_valid_handled
            and run.accepted + run.rejected == run.sent
            and run.dead_letters == run.rejected == run.error_events == run.raw_dead_letters
        )
        failed |= not ok
        print(
            f"{socket:<9}{run.accepted:>10,}{run.rejected:>10,}{run.dead_letters:>14,}"
            f"{run.error_events:>13,}{run.sent / run.seconds:>10,.0f}{'yes' if ok else 'NO':>5}"
        )
        for error in run.errors:
            print(f"  {socket}: {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
