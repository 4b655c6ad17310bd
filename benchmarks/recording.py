"""What recording costs, measured as the user meets it: recorded / unrecorded in one run.

Usage: python benchmarks/recording.py [--bars N] [--repeat R] [--batch-size B]
       python benchmarks/recording.py --cli [--csv PATH] [--bars N] [--repeat R]

Without ``--cli``: the EMA-cross backtest over N synthetic bars, unrecorded and with a
Recorder on a fresh SQLite file, alternated R times in this process. Prints the median
bars/s of each, their ratio (the recording cost figure), and per bar the CPU time the
publishing thread spends recording and the time of the writer thread, which stay
meaningful on a busy machine where wall times do not.

With ``--cli``: ``tickwire backtest examples/ema_cross.py:EmaCross --json --data PATH``
recorded (``--db`` a fresh SQLite file) and with ``--no-record``, alternated, each in a
fresh process (in a temporary TICKWIRE_HOME). PATH is written first if missing (N
synthetic bars through ``write_bars_csv``). Prints the median wall time, peak RSS of
each and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 42


def backtest_once(
    n: int, folder: Path | None, batch_size: int | None = None
) -> tuple[float, float, float]:
    """Wall seconds, publishing-thread CPU seconds and other threads' CPU seconds of one
    backtest, recorded into a new SQLite file in ``folder`` unless it is None (in batches
    of ``batch_size`` events, the Recorder's default if None)."""
    from tickwire.backtest import Backtest
    from tickwire.data import synthetic_bars
    from tickwire.persistence import Recorder, SQLiteStore
    from tickwire.strategy.ema_cross import EmaCross

    engine = Backtest(
        strategy=EmaCross, data=synthetic_bars(n, seed=SEED, gap_probability=0.3), cash=1e12
    )
    start, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
    if folder is None:
        engine.run()
    else:
        store = SQLiteStore(folder / f"run-{time.monotonic_ns()}.db")
        batching = {} if batch_size is None else {"batch_size": batch_size}
        recorder = Recorder(store, strategy="EmaCross", **batching)
        with recorder.attach(engine.bus):
            result = engine.run()
        store.close()
        assert recorder.recorded == result.events
    cpu = time.thread_time() - cpu
    return time.perf_counter() - start, cpu, time.process_time() - process - cpu


def in_process(n: int, repeat: int, batch_size: int | None) -> None:
    runs: dict[str, list[tuple[float, float, float]]] = {"unrecorded": [], "recorded": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeat):
            runs["unrecorded"].append(backtest_once(n, None))
            runs["recorded"].append(backtest_once(n, Path(folder), batch_size))
    wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    writer = statistics.median(r[2] for r in runs["recorded"])
    print(f"{n:,} synthetic bars, EMA cross, median of {repeat} alternated runs")
    for name in runs:
        print(f"  {name:>10}: {n / wall[name]:>11,.0f} bars/s")
    print(f"recorded / unrecorded (wall): {wall['unrecorded'] / wall['recorded']:.2f}")
    ratio = cpu["unrecorded"] / cpu["recorded"]
    print(f"recorded / unrecorded (publishing thread CPU): {ratio:.2f}")
    extra = (cpu["recorded"] - cpu["unrecorded"]) / n * 1e9
    print(f"per bar: {extra:.0f} ns in the publishing thread, {writer / n * 1e9:.0f} ns writer")


def write_csv(path: Path, n: int) -> None:
    from tickwire.data import synthetic_bars, write_bars_csv

    write_bars_csv(path, synthetic_bars(n, seed=SEED, gap_probability=0.3))


def cli_once(csv: Path, record: bool) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (bytes) and CPU seconds of one ``tickwire backtest`` process."""
    with tempfile.TemporaryDirectory() as home:
        tickwire = str(Path(sys.executable).with_name("tickwire"))  # the installed command
        command = [tickwire, "backtest", "examples/ema_cross.py:EmaCross", "--json"]
        command += ["--data", str(csv)]
        command += ["--db", str(Path(home) / "runs.db")] if record else ["--no-record"]
        env = {**os.environ, "TICKWIRE_HOME": home}
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def from_cli(csv: Path, n: int, repeat: int) -> None:
    if not csv.exists():
        write_csv(csv, n)
    runs: dict[str, list[tuple[float, int, float]]] = {"--no-record": [], "recorded": []}
    for _ in range(repeat):
        runs["--no-record"].append(cli_once(csv, record=False))
        runs["recorded"].append(cli_once(csv, record=True))
    wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    peak = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r[2] for r in v) for k, v in runs.items()}
    print(
        f"tickwire backtest examples/ema_cross.py:EmaCross --json --data {csv}, median of {repeat}"
    )
    pairs = [plain[0] / recorded[0] for plain, recorded in zip(*runs.values(), strict=True)]
    print(f"  per pair (wall): {', '.join(f'{ratio:.2f}' for ratio in pairs)}")
    for name in runs:
        print(
            f"  {name:>11}: {wall[name]:6.2f} s whole process, {cpu[name]:6.2f} s CPU,"
            f" peak {peak[name] / 1e6:6.1f} MB"
        )
    print(f"recorded / unrecorded (wall): {wall['--no-record'] / wall['recorded']:.2f}")
    print(f"recorded / unrecorded (CPU): {cpu['--no-record'] / cpu['recorded']:.2f}")
    extra = (peak["recorded"] - peak["--no-record"]) / 1e6
    print(f"recorder's memory (peak recorded - unrecorded): {extra:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cli", action="store_true", help="measure the tickwire command")
    parser.add_argument("--batch-size", type=int, help="the Recorder's (default: its own)")
    parser.add_argument(
        "--csv", type=Path, default=Path(tempfile.gettempdir()) / "tickwire-bars.csv"
    )
    args = parser.parse_args()
    if args.cli:
        from_cli(args.csv, args.bars, args.repeat)
    else:
        in_process(args.bars, args.repeat, args.batch_size)


if __name__ == "__main__":
    main()
