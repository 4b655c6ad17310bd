"""Byte-level fuzzing of the file readers: corrupt input must give a DataError, never a crash.

Usage: python benchmarks/fuzz_readers.py [--cases N] [--seed S] [--rows R] [--show K]

Writes valid bar and quote files (CSV and Parquet), corrupts N copies of each format by
flipping bits, inserting, deleting or truncating bytes, and reads every copy twice with
``read_bars``/``read_ticks``: strict, and with ``skip_bad_rows=True``. Then it reads the
named cases (the defects this script was written for) and checks each gives what is
documented. It prints the inputs tried, the crashes (any exception other than
``DataError``) and the inputs accepted with invalid rows: events that break
``tickwire.events.market_data_problem``, time going backwards, two bars of one
instrument at one time, or CSV rows that vanished without being counted as bad.
Exit status 1 when anything crashed, was accepted invalid, or a named case went wrong.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from tickwire.data import DataError, read_bars, read_ticks
from tickwire.events import Bar, market_data_problem

SECONDS_PER_CASE = 20
"""A read taking longer than this counts as a hang (it is reported as a crash)."""
_LINE_END = re.compile(rb"\r\n|\r|\n")
# Bytes worth inserting besides random ones: the CSV syntax and what numbers are made of.
_INTERESTING = b',"\n\r\0 .-+eEzZT:9\xff\xc3'


class _Hang(Exception):
    pass


@dataclass
class Tally:
    """What happened to the inputs of one group."""

    files: int = 0
    tried: int = 0
    """Reads: each corrupted file is read twice (strict, then skipping bad rows)."""
    errors: int = 0
    accepted: int = 0
    crashes: Counter[str] = field(default_factory=Counter)
    crash_examples: list[str] = field(default_factory=list)
    invalid: int = 0
    invalid_examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Base:
    """A valid file to corrupt: its name (which picks the format), bytes and kind."""

    name: str
    data: bytes
    kind: str
    """``bars`` or ``ticks``."""


def _csv_bars(rows: int, iso: bool, instruments: tuple[str, ...]) -> bytes:
    header = "ts,open,high,low,close,volume" + (",instrument" if len(instruments) > 1 else "")
    lines = [header]
    price = 100.0
    for i in range(rows):
        name = instruments[i % len(instruments)]
        second = 1_700_000_000 + (i // len(instruments)) * 60
        ts = (
            f"2023-11-14T{(second // 3600) % 24:02d}:{(second // 60) % 60:02d}:00Z"
            if iso
            else str(second)
        )
        price += 0.25 if i % 3 else -0.5
        row = f"{ts},{price:.2f},{price + 1:.2f},{price - 1:.2f},{price + 0.5:.2f},{100 + i}"
        lines.append(row + (f",{name}" if len(instruments) > 1 else ""))
    return ("\n".join(lines) + "\n").encode()


def _csv_ticks(rows: int) -> bytes:
    lines = ["ts,bid,ask,bid_size,ask_size,instrument"]
    for i in range(rows):
        bid = 1.1 + i * 1e-4
        lines.append(
            f"{1_700_000_000_000 + i * 250},{bid:.5f},{bid + 2e-4:.5f},{i % 7 + 1},3,EURUSD"
        )
    return ("\n".join(lines) + "\n").encode()


def _parquet(table: Any, **options: Any) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    return bytes(sink.getvalue().to_pybytes())


def _bar_table(rows: int) -> Any:
    ts = [1_700_000_000_000 + i * 60_000 for i in range(rows)]
    low = [100.0 + (i % 13) * 0.5 for i in range(rows)]
    return pa.table(
        {
            "ts": pa.array(ts, pa.timestamp("ms", tz="UTC")),
            "open": [x + 0.5 for x in low],
            "high": [x + 1.0 for x in low],
            "low": low,
            "close": [x + 0.25 for x in low],
            "volume": [float(100 + i) for i in range(rows)],
            "instrument": pa.array(["ES", "NQ"] * (rows // 2) + ["ES"] * (rows % 2)),
        }
    )


def _tick_table(rows: int) -> Any:
    bids = [1.1 + i * 1e-4 for i in range(rows)]
    return pa.table(
        {
            "ts": pa.array([1_700_000_000_000_000 + i for i in range(rows)], pa.int64()),
            "bid": bids,
            "ask": [b + 2e-4 for b in bids],
            "bid_size": [1.0] * rows,
            "ask_size": [2.0] * rows,
        }
    )


def csv_bases(rows: int) -> list[Base]:
    """Valid CSV files: epoch bars of one instrument, ISO bars of two, quotes."""
    return [
        Base("ES.csv", _csv_bars(rows, iso=False, instruments=("ES",)), "bars"),
        Base("multi.csv", _csv_bars(rows, iso=True, instruments=("ES", "NQ")), "bars"),
        Base("EURUSD.csv", _csv_ticks(rows), "ticks"),
    ]


def parquet_bases(rows: int) -> list[Base]:
    """Valid Parquet files: compressed and uncompressed bars (dictionary names), quotes."""
    table = _bar_table(rows)
    return [
        Base("bars.parquet", _parquet(table), "bars"),
        Base("plain.parquet", _parquet(table, compression="none", use_dictionary=False), "bars"),
        Base("ticks.parquet", _parquet(_tick_table(rows), compression="none"), "ticks"),
    ]


def corrupt(data: bytes, rng: random.Random) -> bytes:
    """``data`` with one kind of damage: flipped bits, inserted or deleted bytes, or truncation."""
    out = bytearray(data)
    kind = rng.choice(("flip", "insert", "delete", "truncate"))
    if kind == "truncate":
        return bytes(out[: rng.randrange(len(out))])
    for _ in range(rng.choice((1, 1, 1, 2, 3, 8))):
        if not out:
            break
        at = rng.randrange(len(out))
        if kind == "flip":
            out[at] ^= 1 << rng.randrange(8)
        elif kind == "insert":
            byte = rng.choice(_INTERESTING) if rng.random() < 0.5 else rng.randrange(256)
            out[at:at] = bytes([byte]) * rng.choice((1, 1, 2, 4))
        else:
            del out[at : at + rng.choice((1, 1, 2, 5))]
    return bytes(out)


def _rows_in_csv(data: bytes) -> int:
    """Data rows a CSV holds: its non-empty lines after the header (a line is a row)."""
    lines = _LINE_END.split(data)
    if lines and lines[-1] == b"":
        lines.pop()
    return sum(1 for line in lines[1:] if line != b"")


def invalid_rows(
    events: Iterable[Any], path: Path, expected_rows: int | None, report: Any
) -> str | None:
    """Why the events read from ``path`` should not have been accepted, or None."""
    latest = -(2**63)
    seen: set[tuple[str, int]] = set()
    count = 0
    for event in events:
        count += 1
        problem = market_data_problem(event)
        if problem is not None:
            return f"row {count}: {problem}"
        if event.ts_event_ns < latest:
            return f"row {count}: time goes backwards"
        latest = event.ts_event_ns
        if type(event) is Bar:
            key = (event.instrument, event.ts_event_ns)
            if key in seen:
                return f"row {count}: a second bar of {event.instrument} at {event.ts_event_ns}"
            seen.add(key)
    if expected_rows is not None and count + report.bad_rows != expected_rows:
        return (
            f"{expected_rows} data lines, but {count} rows read and {report.bad_rows} "
            "counted bad: rows vanished without a word"
        )
    return None


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Hang


def read_one(path: Path, kind: str, skip: bool, tally: Tally, label: str) -> str:
    """Read ``path`` fully and record the outcome: ``error``, ``accepted`` or ``crash``."""
    tally.tried += 1
    reader: Callable[..., Any] = read_bars if kind == "bars" else read_ticks
    data = path.read_bytes()
    expected = _rows_in_csv(data) if path.suffix == ".csv" else None
    signal.alarm(SECONDS_PER_CASE)
    try:
        source = reader(path, skip_bad_rows=skip)
        events = list(source)
    except DataError:
        tally.errors += 1
        return "error"
    except _Hang:
        name = "hang"
        tally.crashes[name] += 1
        tally.crash_examples.append(f"{label}: no answer in {SECONDS_PER_CASE} s")
        return "crash"
    except Exception as exc:  # counting every kind of crash is the point
        name = type(exc).__name__
        tally.crashes[name] += 1
        tally.crash_examples.append(f"{label}: {name}: {str(exc)[:160]}")
        return "crash"
    finally:
        signal.alarm(0)
    tally.accepted += 1
    why = invalid_rows(events, path, expected, source.report)
    if why is not None:
        tally.invalid += 1
        tally.invalid_examples.append(f"{label}: {why}")
        return "invalid"
    return "accepted"


def fuzz(bases: list[Base], cases: int, rng: random.Random, folder: Path) -> Tally:
    """``cases`` corrupted copies of the bases, each read strict and skipping bad rows."""
    tally = Tally()
    for i in range(cases):
        base = bases[i % len(bases)]
        # The file stem names the instrument of files without an instrument column.
        path = folder / f"{Path(base.name).stem}{Path(base.name).suffix}"
        path.write_bytes(corrupt(base.data, rng))
        tally.files += 1
        for skip in (False, True):
            read_one(path, base.kind, skip, tally, f"case {i} ({base.name}, skip={skip})")
    return tally


BAR_HEADER = b"ts,open,high,low,close,volume"
_GOOD = b"1700000000,101,102,100,101.5,10\n"


def _bool_parquet() -> bytes:
    # A bool volume: True would read as a plausible volume of 1.0.
    table = _bar_table(4).drop_columns(["volume"]).append_column("volume", pa.array([True] * 4))
    return _parquet(table)


def _int_instrument_parquet() -> bytes:
    table = _bar_table(4).drop_columns(["instrument"])
    return _parquet(table.append_column("instrument", pa.array([7, 7, 8, 8])))


NAMED: list[tuple[str, str, Callable[[], bytes], str, str]] = [
    # (case, file name, contents, kind, expected outcome: "error" or "accepted")
    ("header without a trailing newline", "ES.csv", lambda: BAR_HEADER, "bars", "accepted"),
    (
        "non-UTF-8 byte in the header",
        "ES.csv",
        lambda: BAR_HEADER + b"\xff\n" + _GOOD,
        "bars",
        "error",
    ),
    (
        "non-UTF-8 byte in a number",
        "ES.csv",
        lambda: BAR_HEADER + b"\n" + _GOOD + b"1700000060,1\xff,2,1,1,1\n",
        "bars",
        "error",
    ),
    (
        "non-UTF-8 byte in an instrument",
        "x.csv",
        lambda: BAR_HEADER + b",instrument\n1700000000,1,2,1,1,1,E\xffS\n",
        "bars",
        "error",
    ),
    (
        "a field over 1 MiB",
        "ES.csv",
        lambda: BAR_HEADER + b"\n" + _GOOD + b"1700000060," + b"1" * (2 << 20) + b",1,1,1,1\n",
        "bars",
        "error",
    ),
    (
        "a header field over 128 KiB",
        "ES.csv",
        lambda: BAR_HEADER + b"," + b"x" * (200 << 10) + b"\n" + _GOOD[:-1] + b",1\n",
        "bars",
        "error",
    ),
    (
        "two bars of one instrument at one time",
        "ES.csv",
        lambda: BAR_HEADER + b"\n" + _GOOD + _GOOD,
        "bars",
        "error",
    ),
    (
        "two quotes at one nanosecond",
        "EURUSD.csv",
        lambda: b"ts,bid,ask\n1700000000000000000,1.1,1.2\n1700000000000000000,1.1,1.3\n",
        "ticks",
        "accepted",
    ),
    (
        "a row of empty fields",
        "ES.csv",
        lambda: BAR_HEADER + b"\n" + _GOOD + b",,,,,\n" + _GOOD.replace(b"00,", b"60,", 1),
        "bars",
        "error",
    ),
    ("a Parquet bool column", "ES.parquet", _bool_parquet, "bars", "error"),
    (
        "a Parquet integer instrument column",
        "ES.parquet",
        _int_instrument_parquet,
        "bars",
        "accepted",
    ),
    (
        "spaces around a number",
        "ES.csv",
        lambda: BAR_HEADER + b"\n1700000000, 101 ,102,100,101,1\n",
        "bars",
        "accepted",
    ),
    (
        "a lowercase z zone suffix",
        "ES.csv",
        lambda: BAR_HEADER + b"\n2023-11-14T22:13:20z,101,102,100,101,1\n",
        "bars",
        "accepted",
    ),
    ("a zero price", "ES.csv", lambda: BAR_HEADER + b"\n1700000000,0,1,0,1,1\n", "bars", "error"),
    (
        "a negative price",
        "ES.csv",
        lambda: BAR_HEADER + b"\n1700000000,-2,-1,-3,-2,1\n",
        "bars",
        "error",
    ),
    ("a zero bid", "EURUSD.csv", lambda: b"ts,bid,ask\n1700000000,0,1.2\n", "ticks", "error"),
]


def named_cases(folder: Path, tally: Tally) -> list[str]:
    """Run the named cases strictly; the lines describing those that went wrong."""
    wrong = []
    for name, filename, contents, kind, expected in NAMED:
        path = folder / filename
        path.write_bytes(contents())
        tally.files += 1
        outcome = read_one(path, kind, False, tally, name)
        if outcome != expected:
            wrong.append(f"  {name}: expected {expected}, got {outcome}")
    return wrong


def _print(title: str, tally: Tally, show: int) -> None:
    crashes = sum(tally.crashes.values())
    kinds = ", ".join(f"{k} {n}" for k, n in tally.crashes.most_common()) or "none"
    print(
        f"{title:<8} files {tally.files:>5}  reads {tally.tried:>5}  DataError {tally.errors:>5}"
        f"  accepted {tally.accepted:>5}"
        f"  crashes {crashes:>4} ({kinds})  accepted with invalid rows {tally.invalid:>4}"
    )
    for line in tally.crash_examples[:show] + tally.invalid_examples[:show]:
        print(f"    {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000, help="corrupted files per format")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=200, help="rows per valid file")
    parser.add_argument("--show", type=int, default=5, help="examples printed per problem")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _on_alarm)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = fuzz(csv_bases(args.rows), args.cases, rng, folder)
        parquet = fuzz(parquet_bases(args.rows), args.cases, rng, folder)
        named = Tally()
        wrong = named_cases(folder, named)
    _print("CSV", csv, args.show)
    _print("Parquet", parquet, args.show)
    _print("named", named, args.show)
    if wrong:
        print(f"named cases not as documented: {len(wrong)} of {len(NAMED)}")
        print("\n".join(wrong))
    else:
        print(f"named cases as documented: {len(NAMED)} of {len(NAMED)}")
    total = [csv, parquet, named]
    failed = any(t.crashes or t.invalid for t in total) or bool(wrong)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
