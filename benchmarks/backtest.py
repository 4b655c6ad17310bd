"""Backtest speed and memory: the reference EMA cross over N synthetic bars.

Usage: python benchmarks/backtest.py [--bars N] [--repeat R] [--record] [--listed]
                                     [--vs-backtrader]
       python benchmarks/backtest.py --layers   (ns per bar as components are added)

Each measurement runs in a fresh process so peak memory (max RSS) is its own. Prints
bars/s, events/s and peak MB for tickwire (every bar published through the bus to the
broker, the portfolio and the strategy), for a bare Python loop computing the same
signals with no framework, with --listed for the same bars handed over as a list (which
``Backtest`` checks bar by bar at its edge, where a synthetic source is trusted), and
with --vs-backtrader for backtrader on the same bars.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

SEED = 42


def run_tickwire(n: int) -> dict[str, float]:
    from tickwire.backtest import Backtest
    from tickwire.data import synthetic_bars
    from tickwire.strategy.ema_cross import EmaCross

    bars = synthetic_bars(n, seed=SEED, gap_probability=0.3)
    start = time.perf_counter()
    result = Backtest(strategy=EmaCross, data=bars, cash=1e12).run()
    return {
        "seconds": result.wall_time_s,  # the bar loop
        "call_seconds": time.perf_counter() - start,  # also statistics and the result
        "bars": result.bars,
        "events": result.events,
        "fills": len(result.fills),
    }


def run_listed(n: int) -> dict[str, float]:
    from tickwire.backtest import Backtest
    from tickwire.data import synthetic_bars
    from tickwire.strategy.ema_cross import EmaCross

    bars = list(synthetic_bars(n, seed=SEED, gap_probability=0.3))  # built before the clock
    start = time.perf_counter()
    result = Backtest(strategy=EmaCross, data=bars, cash=1e12).run()
    return {
        "seconds": result.wall_time_s,
        "call_seconds": time.perf_counter() - start,
        "bars": result.bars,
        "events": result.events,
        "fills": len(result.fills),
    }


def run_recorded(n: int) -> dict[str, float]:
    import tempfile
    from pathlib import Path

    from tickwire.backtest import Backtest
    from tickwire.data import synthetic_bars
    from tickwire.persistence import Recorder, open_store
    from tickwire.strategy.ema_cross import EmaCross

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.db")
        engine = Backtest(
            strategy=EmaCross, data=synthetic_bars(n, seed=SEED, gap_probability=0.3), cash=1e12
        )
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


def run_bare(n: int) -> dict[str, float]:
    from tickwire.data import synthetic_bars

    bars = synthetic_bars(n, seed=SEED, gap_probability=0.3)
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


def run_backtrader(n: int) -> dict[str, float]:
    sys.path.insert(0, ".")
    from tests.backtest.reference import backtrader_fills

    from tickwire.data import synthetic_bars

    bars = list(synthetic_bars(n, seed=SEED, gap_probability=0.3))
    start = time.perf_counter()
    fills = backtrader_fills(bars)
    return {"seconds": time.perf_counter() - start, "bars": n, "events": n, "fills": len(fills)}


def layers(n: int) -> None:
    """Cost per bar as components are added one at a time (pre-built bars, best of 3)."""
    from tickwire.backtest._feed import feed, feed_checked
    from tickwire.bus import EventBus
    from tickwire.data import synthetic_bars
    from tickwire.execution import RiskManager, SimulatedBroker
    from tickwire.portfolio import Portfolio
    from tickwire.strategy.ema_cross import EmaCross

    start = time.perf_counter()
    bars = list(synthetic_bars(n, seed=SEED, gap_probability=0.3))
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
    "backtrader": run_backtrader,
}


def measure(name: str, n: int) -> dict[str, float]:
    """Run one measurement in a child process; returns its figures and peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", name, "--bars", str(n)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


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
    parser.add_argument("--child", choices=sorted(RUNNERS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layers:
        layers(min(args.bars, 300_000))
        return
    if args.child:
        figures = RUNNERS[args.child](args.bars)
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return

    names = ["tickwire", "bare"]
    names += ["listed"] if args.listed else []
    names += (["recorded"] if args.record else []) + (["backtrader"] if args.vs_backtrader else [])
    results: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for _ in range(args.repeat):
        for name in names:
            results[name].append(measure(name, args.bars))
    print(f"{args.bars:,} synthetic bars (seed {SEED}), median of {args.repeat} runs")
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
    if "backtrader" in rate:
        print(f"tickwire / backtrader: {rate['tickwire'] / rate['backtrader']:.1f}x")


if __name__ == "__main__":
    main()
