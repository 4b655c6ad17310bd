"""A cluster's replay speed: the sample bars through six processes, against one process.

Usage: python benchmarks/cluster.py [--strategies N] [--repeat R]

Each run starts a real cluster (``Supervisor``, as ``tickwire cluster up`` does: gateway,
N EMA-cross strategies, executor, order gateway, recorder, each a process on loopback)
on the bundled ACME file (2,000 daily bars), in lockstep and then paced as fast as the
gateway can publish. The figure is the gateway's own replay time (first event to last,
from its heartbeat), so process start-up is not in it; the baseline is the same
strategies in one ``Node`` in the same run. Medians of R runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tickwire.cluster import Supervisor, load_cluster, read_statuses
from tickwire.data import sample_data_paths
from tickwire.node import Node
from tickwire.strategy.ema_cross import EmaCross

_EMA = "tickwire.strategy.ema_cross:EmaCross"
_BARS = 2000


def _cluster(folder: Path, strategies: int, replay: str, port: int) -> Path:
    endpoints = ("market_data", "signals", "acks", "orders", "executions", "control")
    lines = [
        '[cluster]\nname = "bench"\nstate_dir = "state"\n',
        "[endpoints]",
        *(f'{name} = "tcp://127.0.0.1:{port + n}"' for n, name in enumerate(endpoints)),
        f'\n[gateway]\ndata = ["{sample_data_paths()[0]}"]\nreplay = "{replay}"\n',
        *(f'[[strategies]]\nstrategy = "{_EMA}"\n' for _ in range(strategies)),
        '[recorder]\ndb = "cluster.db"\n',
    ]
    path = folder / "cluster.toml"
    path.write_text("\n".join(lines))
    return path


def _replay_seconds(strategies: int, replay: str, port: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        config = _cluster(Path(tmp), strategies, replay, port)
        cluster = load_cluster(config)
        code = Supervisor(cluster, config).run()
        if code != 0:
            raise SystemExit(f"the cluster failed (logs in {cluster.state_path})")
        gateway = {s.name: s for s in read_statuses(cluster.state_path)}["gateway"]
        return float(gateway.stats["replay_s"])


def _one_process(strategies: int) -> float:
    started = time.perf_counter()
    Node([EmaCross() for _ in range(strategies)], data=sample_data_paths()[0]).run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=25_555, help="first of six ports")
    args = parser.parse_args()
    figures: dict[str, list[float]] = {"one process": [], "lockstep": [], "paced": []}
    for _ in range(args.repeat):
        figures["one process"].append(_one_process(args.strategies))
        figures["lockstep"].append(_replay_seconds(args.strategies, "lockstep", args.port))
        figures["paced"].append(_replay_seconds(args.strategies, "paced", args.port))
    base = statistics.median(figures["one process"])
    print(f"{_BARS} bars, {args.strategies} strategies, median of {args.repeat}")
    for name, values in figures.items():
        median = statistics.median(values)
        print(
            f"{name:>12}: {median * 1e3:8.1f} ms  {_BARS / median:10,.0f} bars/s  "
            f"{median / _BARS * 1e6:8.1f} us/bar  x{base / median:.3f} of one process"
        )


if __name__ == "__main__":
    main()
