"""Backtest speed and memory: the reference EMA cross over N bars, in memory and from files.

Usage: python benchmarks/backtest.py [--bars N] [--repeat R] [--record] [--listed]
                                     [--no-files] [--dir DIR]
       python benchmarks/backtest.py --vs-backtrader [--bars N] [--repeat R] [--dir DIR]
       python benchmarks/backtest.py --layers   (ns per bar as components are added)

Each measurement runs in a fresh process so peak memory (max RSS) is its own. Prints
bars/s, events/s and peak MB for tickwire on N synthetic bars (every bar published
through the bus to the broker, the portfolio and the strategy), for the same bars read
from a CSV and a Parquet file as the bars stream (``read_bars``, what ``tickwire backtest
--data`` runs; the files are written first, into DIR or a temporary folder, and their
ratio to the in-memory run of the same invocation is printed), for a bare Python loop
computing the same signals with no framework, with --listed for the same bars handed over
as a list (which ``Backtest`` checks bar by bar at its edge, where a synthetic source is
trusted), and with --record with the SQLite recorder attached.

--vs-backtrader compares like for like: both engines on the same CSV file, the whole
process timed, and reading (load) and the run timed separately; the fills must agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 42
FILES = ("csv", "parquet")
DECIMALS: int | None = None
"""Prices rounded to this many decimals (``--decimals``; None: full precision, 17 digits)."""


def bench_bars(n: int) -> object:
    """The benchmark's bars: seeded, with gaps (so fills happen at opens that are not the
    previous close)."""
    from tickwire.data import synthetic_bars

    return synthetic_bars(n, seed=SEED, gap_probability=0.3, decimals=DECIMALS)


def file_paths(n: int, folder: Path) -> dict[str, Path]:
    """Where the benchmark's files of ``n`` bars are in ``folder``."""
    return {kind: folder / f"bench_{n}_{DECIMALS}.{kind}" for kind in FILES}


def write_files(n: int, folder: Path) -> None:
    """The benchmark's bars as CSV and Parquet files in ``folder`` (kept if present)."""
    from tickwire.data import write_bars_csv, write_bars_parquet

    paths = file_paths(n, folder)
    if not paths["csv"].exists():
        write_bars_csv(paths["csv"], bench_bars(n), include_instrument=False)  # type: ignore[arg-type]
    if not paths["parquet"].exists():
        write_bars_parquet(paths["parquet"], bench_bars(n), include_instrument=False)  # type: ignore[arg-type]


def run_tickwire(n: int, path: str = "") -> dict[str, float]:
    from tickwire.backtest import Backtest
    from tickwire.strategy.ema_cross import EmaCross

    bars = bench_bars(n)
    start = time.perf_counter()
    result = Backtest(strategy=EmaCross, data=bars, cash=1e12).run()
    return {
        "seconds": result.wall_time_s,  # the bar loop
        "call_seconds": time.perf_counter() - start,  # also statistics and the result
        "bars": result.bars,
        "events": result.events,
        "fills": len(result.fills),
    }


def run_file(n: int, path: str) -> dict[str, float]:
    """The bars streaming from a file during the run, as ``tickwire backtest --data``."""
    from tickwire.backtest import Backtest
    from tickwire.data import read_bars
    from tickwire.strategy.ema_cross import EmaCross

    start = time.perf_counter()
    result = Backtest(strategy=EmaCross, data=read_bars(path), cash=1e12).run()
    return {
        "seconds": result.wall_time_s,  # the bar loop, reading included
        "call_seconds": time.perf_counter() - start,
        "bars": result.bars,
        "events": result.events,
        "fills": len(result.fills),
    }


def run_listed(n: int, path: str = "") -> dict[str, float]:
    from tickwire.backtest import Backtest
    from tickwire.strategy.ema_cross import EmaCross

    bars = list(bench_bars(n))  # built before the clock
    start = time.perf_counter()
    result = Backtest(strategy=EmaCross, data=bars, cash=1e12).run()
    return {
        "seconds": result.wall_time_s,
        "call_seconds": time.perf_counter() - start,
        "bars": result.bars,
        "events": result.events,
        "fills": len(result.fills),
    }


def run_recorded(n: int, path: str = "") -> dict[str, float]:
    import tempfile
    from pathlib import Path

    from tickwire.backtest import Backtest
    from tickwire.persistence import Recorder, open_store
    from tickwire.strategy.ema_cross import EmaCross

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.db")
        engine = Backtest(strategy=EmaCross, data=bench_bars(n), cash=1e12)
        start = time.perf_counter()
        with Recorder(store, strategy="EmaCross").attach(engine.bus) as recorder:
            result = engine.run()
        seconds = time.perf_counter() - start  # includes the final flush
        assert recorder.recorded == result.events
        store.close()
    return {
        "seconds": seconds,
        "bars": result.bars,
        "events": result.events,
        "fills": len(result.fills),
    }


def run_bare(n: int, path: str = "") -> dict[str, float]:

    bars = bench_bars(n)
    start = time.perf_counter()
    a_fast, a_slow = 2 / 11, 2 / 31
    e_fast = e_slow = None
    previous, held, fills, pending = 0.0, 0.0, 0, 0.0
    for index, bar in enumerate(bars):
        if pending:
            held += pending
            pending = 0.0
            fills += 1
        close = bar.close
        if e_fast is None:
            e_fast = e_slow = close
        e_fast = a_fast * close + (1 - a_fast) * e_fast
        e_slow = a_slow * close + (1 - a_slow) * e_slow
        d = e_fast - e_slow
        if index >= 30:
            if d > 0 >= previous and held == 0:
                pending = 100.0
            elif d < 0 <= previous and held > 0:
                pending = -100.0
        previous = d
    return {"seconds": time.perf_counter() - start, "bars": n, "events": n, "fills": fills}


def _fill_figures(fills: list[tuple[int, str, float]]) -> dict[str, float]:
    """A fingerprint of a fill list, equal for equal fills: count, and the cash they moved."""
    cash = sum(price * (-100.0 if side == "BUY" else 100.0) for _, side, price in fills)
    return {"fills": len(fills), "fill_cash": cash}


def vs_tickwire(n: int, path: str) -> dict[str, float]:
    """tickwire on the CSV file, as ``tickwire backtest --data`` runs it (reading streams
    during the run); then reading the file alone, for the load time."""
    import numpy as np

    from tickwire.backtest import Backtest
    from tickwire.data import read_bars
    from tickwire.strategy.ema_cross import EmaCross

    start = time.perf_counter()
    result = Backtest(strategy=EmaCross, data=read_bars(path), cash=1e12).run()
    together = time.perf_counter() - start
    begin = time.perf_counter()
    times = np.concatenate([chunk.ts for chunk in read_bars(path).chunks()])
    load = time.perf_counter() - begin
    index = np.searchsorted(times, [f.ts_event_ns for f in result.fills])
    fills = [(int(i), str(f.side), f.price) for i, f in zip(index, result.fills, strict=True)]
    return {
        "load_seconds": load,
        "run_seconds": result.wall_time_s,
        "seconds": together,
        "bars": result.bars,
        "events": result.events,
        **_fill_figures(fills),
    }


def vs_backtrader(n: int, path: str) -> dict[str, float]:
    """backtrader on the same CSV file: pandas reads it into the DataFrame its feed takes."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import pandas as pd
    from tests.backtest.reference import backtrader_frame_fills

    start = time.perf_counter()
    frame = pd.read_csv(path)
    frame.index = pd.to_datetime(frame.pop("ts"), unit="ns")
    load = time.perf_counter() - start
    begin = time.perf_counter()
    fills = backtrader_frame_fills(frame)
    run = time.perf_counter() - begin
    return {
        "load_seconds": load,
        "run_seconds": run,
        "seconds": time.perf_counter() - start,
        "bars": len(frame),
        "events": len(frame),
        **_fill_figures(fills),
    }


def layers(n: int) -> None:
    """Cost per bar as components are added one at a time (pre-built bars, best of 3)."""
    from tickwire.bus import EventBus
    from tickwire.execution import RiskManager, SimulatedBroker
    from tickwire.node._feed import feed, feed_checked
    from tickwire.portfolio import Portfolio
    from tickwire.strategy.ema_cross import EmaCross

    start = time.perf_counter()
    bars = list(bench_bars(n))
    print(f"{'making Bar events':>34}: {(time.perf_counter() - start) / n * 1e9:6.0f} ns/bar")

    def fed(checked: bool) -> float:
        bus = EventBus()
        begin = time.perf_counter()
        if checked:
            feed_checked(bus, bars, lambda bar, position, problem: None)
        else:
            feed(bus, bars)
        return (time.perf_counter() - begin) / n * 1e9

    for checked in (False, True):
        label = "feed, checked at the edge" if checked else "feed, trusted source"
        print(f"{label:>34}: {min(fed(checked) for _ in range(3)):6.0f} ns/bar")

    def once(parts: tuple[str, ...]) -> float:
        bus = EventBus()
        portfolio = Portfolio(bus if "portfolio" in parts else None, 1e12, priority=50)
        if "broker" in parts:
            SimulatedBroker(bus, portfolio, priority=100)
            RiskManager(bus, portfolio)
        if "strategy" in parts:
            strategy = EmaCross()
            strategy.instrument = bars[0].instrument
            strategy.attach(bus, portfolio, clock=lambda: portfolio.last_ts_ns)
            strategy.on_start()
        publish = bus.publish
        begin = time.perf_counter()
        for bar in bars:
            publish(bar)
        return (time.perf_counter() - begin) / n * 1e9

    steps: list[tuple[str, ...]] = [(), ("broker",), ("broker", "portfolio")]
    steps.append(("broker", "portfolio", "strategy"))
    for parts in steps:
        label = "publish, " + (" + ".join(parts) or "no handler")
        print(f"{label:>34}: {min(once(parts) for _ in range(3)):6.0f} ns/bar")


RUNNERS = {
    "tickwire": run_tickwire,
    "listed": run_listed,
    "recorded": run_recorded,
    "bare": run_bare,
    "csv": run_file,
    "parquet": run_file,
    "vs_tickwire": vs_tickwire,
    "vs_backtrader": vs_backtrader,
}


def measure(name: str, n: int, path: str = "") -> dict[str, float]:
    """Run one measurement in a child process; returns its figures, its whole process
    time (interpreter start and imports included) and peak RSS."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--bars", str(n), "--file", path]
        + ([] if DECIMALS is None else ["--decimals", str(DECIMALS)]),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    figures["process_seconds"] = time.perf_counter() - start
    return figures


def compare_backtrader(n: int, repeat: int, path: Path) -> None:
    """Both engines on one CSV file: load, run, both together and the whole process."""
    names = ("vs_tickwire", "vs_backtrader")
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            results[name].append(measure(name, n, str(path)))
    print(f"{n:,} bars from one CSV file ({path}), median of {repeat} runs")
    print(
        f"{'':>12}  {'load s':>8}  {'run s':>8}  {'together':>8}  {'process':>8}  "
        f"{'bars/s':>10}  {'peak MB':>7}  fills"
    )
    medians: dict[str, dict[str, float]] = {}
    for name in names:
        runs = results[name]
        m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        m["peak_mb"] = max(r["peak_mb"] for r in runs)
        medians[name] = m
        print(
            f"{name[3:]:>12}  {m['load_seconds']:8.2f}  {m['run_seconds']:8.2f}  "
            f"{m['seconds']:8.2f}  {m['process_seconds']:8.2f}  {n / m['seconds']:10,.0f}  "
            f"{m['peak_mb']:7.0f}  {int(m['fills'])}"
        )
    ours, theirs = medians["vs_tickwire"], medians["vs_backtrader"]
    same = ours["fills"] == theirs["fills"] and abs(ours["fill_cash"] - theirs["fill_cash"]) <= (
        1e-9 * max(1.0, abs(theirs["fill_cash"]))
    )
    print(
        f"fills agree: {same} ({int(ours['fills'])} fills, cash moved by them "
        f"{ours['fill_cash']:,.6f} against {theirs['fill_cash']:,.6f})"
    )
    print(
        f"tickwire / backtrader: {theirs['seconds'] / ours['seconds']:.1f}x together, "
        f"{theirs['process_seconds'] / ours['process_seconds']:.1f}x whole process, "
        f"{theirs['run_seconds'] / ours['run_seconds']:.1f}x run (tickwire's run includes "
        "its reading)"
    )
    if not same:
        raise SystemExit("the fills differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--vs-backtrader", action="store_true")
    parser.add_argument(
        "--record", action="store_true", help="also run with the SQLite recorder attached"
    )
    parser.add_argument(
        "--listed", action="store_true", help="also run on a list of the bars (checked)"
    )
    parser.add_argument("--layers", action="store_true", help="cost per component per bar")
    parser.add_argument("--no-files", action="store_true", help="skip the CSV and Parquet runs")
    parser.add_argument("--decimals", type=int, default=None, help="round prices (and volumes)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the files")
    parser.add_argument("--child", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    parser.add_argument("--file", default="", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global DECIMALS
    DECIMALS = args.decimals
    if args.layers:
        layers(min(args.bars, 300_000))
        return
    if args.child:
        figures = RUNNERS[args.child](args.bars, args.file)
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    if args.write:
        write_files(args.bars, Path(args.file))
        return
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.dir or Path(temporary)
        files = {}
        if args.vs_backtrader or not args.no_files:
            # In a child: a process's peak RSS carries over to the children it starts.
            measure_write = [sys.executable, __file__, "--write", "--bars", str(args.bars)]
            measure_write += ["--file", str(folder)]
            measure_write += [] if DECIMALS is None else ["--decimals", str(DECIMALS)]
            subprocess.run(measure_write, check=True)
            files = file_paths(args.bars, folder)
        if args.vs_backtrader:
            compare_backtrader(args.bars, args.repeat, files["csv"])
            return
        compare(args, files)


def compare(args: argparse.Namespace, files: dict[str, Path]) -> None:
    """tickwire in memory, from the files and with the options asked for, and the bare loop."""
    names = ["tickwire", "bare"] + ([] if args.no_files else list(FILES))
    names += ["listed"] if args.listed else []
    names += ["recorded"] if args.record else []
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for _ in range(args.repeat):
        for name in names:
            results[name].append(measure(name, args.bars, str(files.get(name, ""))))
    rounded = "" if DECIMALS is None else f", prices rounded to {DECIMALS} decimals"
    print(f"{args.bars:,} synthetic bars (seed {SEED}{rounded}), median of {args.repeat} runs")
    rate: dict[str, float] = {}
    for name in names:
        runs = results[name]
        seconds = statistics.median(r["seconds"] for r in runs)
        rate[name] = args.bars / seconds
        events = statistics.median(r["events"] for r in runs) / seconds
        peak = max(r["peak_mb"] for r in runs)
        print(
            f"{name:>10}: {rate[name]:>12,.0f} bars/s  {events:>12,.0f} events/s  "
            f"peak {peak:6.0f} MB  fills {int(runs[0]['fills'])}"
        )
    print(f"tickwire / bare loop: {rate['tickwire'] / rate['bare']:.2f}x")
    if "recorded" in rate:
        # The same span for both: the whole run() call (the loop, then statistics and the
        # result); the recorded one also attaches the recorder and closes it (final flush).
        plain = statistics.median(r["call_seconds"] for r in results["tickwire"])
        recorded = statistics.median(r["seconds"] for r in results["recorded"])
        print(f"recorded / unrecorded, whole run() call: {plain / recorded:.2f}")
    if "listed" in rate:
        print(f"listed (checked at the edge) / tickwire: {rate['listed'] / rate['tickwire']:.2f}")
    for kind in FILES:
        if kind in rate:
            ratios = [
                run["seconds"] / file_run["seconds"]
                for run, file_run in zip(results["tickwire"], results[kind], strict=True)
            ]
            print(
                f"{kind} / in memory: {rate[kind] / rate['tickwire']:.2f} "
                f"(per pair of runs: {', '.join(f'{r:.2f}' for r in ratios)})"
            )


if __name__ == "__main__":
    main()
