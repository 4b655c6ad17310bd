"""A real cluster: six processes on loopback sockets, started by ``tickwire cluster up``
as a user starts it, compared with the same strategies in one process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tickwire.cluster import Supervisor, load_cluster, read_statuses
from tickwire.events import Bar, Fill, OrderSubmitted
from tickwire.node import Node
from tickwire.persistence import RunStatus, SQLiteStore
from tickwire.strategy.ema_cross import EmaCross

from .clusters import ACME, EMA, head_of, wait_for_status, write_cluster

posix = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
STRATEGIES = Path(__file__).with_name("strategies.py")
BARS = 2000


def _tickwire(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickwire", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _fills(fills: list[Fill]) -> list[tuple[object, ...]]:
    return [
        (f.ts_event_ns, f.instrument, f.side, f.quantity, f.price, f.strategy_name) for f in fills
    ]


def _recorded(db: Path) -> tuple[object, list[object]]:
    store = SQLiteStore(db)
    try:
        (run,) = store.list_runs()
        return run, list(store.iter_events(run.run_id))
    finally:
        store.close()


@posix
def test_a_lockstep_cluster_fills_as_one_process_does(tmp_path: Path) -> None:
    config = write_cluster(
        tmp_path,
        [f'strategy = "{EMA}"\nparams = {{ fast = 5, slow = 20 }}', f'strategy = "{EMA}"'],
    )
    result = _tickwire("cluster", "up", str(config), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every process ended well" in result.stdout

    one_process = Node([EmaCross(fast=5, slow=20), EmaCross()], data=ACME)
    one_process.run()
    run, events = _recorded(tmp_path / "cluster.db")
    assert run.status == RunStatus.FINISHED
    fills = [e for e in events if isinstance(e, Fill)]
    assert len(fills) > 10
    assert _fills(fills) == _fills(one_process.fills)
    assert {f.strategy_name for f in fills} == {"EmaCross", "EmaCross.2"}
    assert one_process.portfolio is not None
    assert run.summary["final_equity"] == pytest.approx(one_process.portfolio.equity)

    status = _tickwire("cluster", "status", str(config), "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    records = {r["name"]: r for r in map(json.loads, status.stdout.splitlines())}
    assert set(records) == {
        "gateway",
        "EmaCross",
        "EmaCross.2",
        "executor",
        "order-gateway",
        "recorder",
    }
    assert records["gateway"]["state"] == "finished"
    assert records["gateway"]["stats"]["published"] == 2000
    venue = records["order-gateway"]["stats"]
    assert venue["orders"] == sum(isinstance(e, OrderSubmitted) for e in events)
    assert venue["repeated_requests"] == 0


class _Supervised:
    """``Supervisor.run()`` on a thread, as ``tickwire cluster up`` runs it; leaving the
    block stops the cluster if it still runs."""

    def __init__(self, config: Path) -> None:
        self.supervisor = Supervisor(load_cluster(config), config)
        self.code: list[int] = []
        self._thread = threading.Thread(
            target=lambda: self.code.append(self.supervisor.run()), daemon=True
        )

    def __enter__(self) -> _Supervised:
        self._thread.start()
        return self

    def wait_for_the_end(self, timeout: float) -> None:
        """Until the data has ended and every process has stopped."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the cluster still runs after {timeout} s"

    def __exit__(self, *exc: object) -> None:
        self.supervisor.request_stop("test")
        self._thread.join(60)


@posix
def test_a_killed_strategy_is_restarted_and_the_rest_runs_on(tmp_path: Path) -> None:
    config = write_cluster(
        tmp_path,
        [f'strategy = "{EMA}"\nname = "steady"', f'strategy = "{EMA}"\nname = "doomed"'],
        restart="backoff = 0.1",
    )
    state = load_cluster(config).state_path
    with _Supervised(config) as cluster:
        doomed = wait_for_status(state, "doomed", lambda s: s.stats.get("market_events", 0) >= 200)
        others = {s.name: s.pid for s in read_statuses(state) if s.name != "doomed"}
        os.kill(doomed.pid, signal.SIGKILL)
        cluster.wait_for_the_end(240)
    supervisor = cluster.supervisor
    assert cluster.code == [0]
    assert supervisor.child("doomed").restarts == 1
    assert len(supervisor.child("doomed").pids) == 2
    final = {s.name: s for s in read_statuses(state)}
    for name in ("gateway", "steady", "executor", "order-gateway", "recorder"):
        assert supervisor.child(name).restarts == 0, name
        assert final[name].pid == others[name], name
    assert final["gateway"].stats["published"] == 2000
    assert final["steady"].stats["market_events"] == 2000
    assert final["steady"].state == "finished"
    assert final["doomed"].pid != doomed.pid
    assert 0 < final["doomed"].stats["market_events"] < 2000
    assert final["doomed"].state == "finished"
    # the restarted process rebuilt its books from the session's fills: both strategies'
    # portfolios (each of the whole cluster's fills) end the same
    assert final["doomed"].stats["position"] == final["steady"].stats["position"]
    assert final["doomed"].stats["equity"] == pytest.approx(final["steady"].stats["equity"])


@posix
def test_an_executor_killed_twenty_times_places_every_order_once(tmp_path: Path) -> None:
    config = write_cluster(
        tmp_path,
        [f'strategy = "{STRATEGIES}:BuyEveryBar"'],
        heartbeat=0.05,  # an executor is killed soon after it has placed an order
        gateway="lockstep_timeout = 120",
        executor='guarantee = "at-least-once"\nack_timeout_ms = 200\nmax_attempts = 10000',
        restart="backoff = 0.05\nmax_backoff = 0.2\nmax_restarts = 30",
        venue="cash = 1e7",
    )
    state = load_cluster(config).state_path
    killed: set[int] = set()
    with _Supervised(config) as cluster:
        while len(killed) < 20:
            executor = wait_for_status(
                state,
                "executor",
                lambda s: (
                    s.pid not in killed
                    and s.state == "running"
                    and s.stats.get("orders_sent", 0) >= 1
                ),
            )
            os.kill(executor.pid, signal.SIGKILL)
            killed.add(executor.pid)
        venue = wait_for_status(state, "order-gateway", lambda s: True)
        assert venue.stats["orders"] < BARS, "the stream ended before the twentieth kill"
        cluster.wait_for_the_end(300)
    assert cluster.code == [0]
    assert cluster.supervisor.child("executor").restarts == 20
    _run, events = _recorded(tmp_path / "cluster.db")
    submitted = [e.order_id for e in events if isinstance(e, OrderSubmitted)]
    assert len(submitted) == BARS  # one order per bar: none lost
    assert len(set(submitted)) == BARS  # and none placed twice
    fills = [e for e in events if isinstance(e, Fill)]
    assert len(fills) == BARS - 1  # the last bar's order has no next bar to fill on
    venue = {s.name: s for s in read_statuses(state)}["order-gateway"].stats
    assert venue["orders"] == BARS


@posix
def test_a_gateway_relays_a_live_feed_from_a_local_exchange(tmp_path: Path) -> None:
    from ..exchange.process import ExchangeProcess

    venue = ExchangeProcess("--port", "0", "--speed", "50000000").start()
    try:
        config = write_cluster(tmp_path, [f'strategy = "{EMA}"'])
        text = config.read_text().replace(
            f'data = ["{ACME}"]', f'feed = "{venue.url}"\ninstruments = ["ACME"]'
        )
        config.write_text(text)
        state = load_cluster(config).state_path
        with _Supervised(config) as cluster:
            wait_for_status(state, "EmaCross", lambda s: s.stats.get("market_events", 0) >= 2000)
    finally:
        venue.terminate()
    assert cluster.code == [0]
    run, events = _recorded(tmp_path / "cluster.db")
    assert run.status == RunStatus.STOPPED
    assert sum(isinstance(e, Bar) for e in events) >= 2000
    orders = [e.order_id for e in events if isinstance(e, OrderSubmitted)]
    fills = [e.order_id for e in events if isinstance(e, Fill)]
    assert orders and len(set(orders)) == len(orders)
    assert set(fills) <= set(orders) and len(set(fills)) == len(fills)


@posix
def test_a_strategy_with_timers_gets_them_on_market_time(tmp_path: Path) -> None:
    data = head_of(ACME, 100, tmp_path / "bars.csv")
    config = write_cluster(tmp_path, [f'strategy = "{STRATEGIES}:BuyOnTimer"'], data=data)
    result = _tickwire("cluster", "up", str(config), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    _run, events = _recorded(tmp_path / "cluster.db")
    submitted = [e for e in events if isinstance(e, OrderSubmitted)]
    assert len(submitted) == 49  # days 2, 4 ... 98 after the first bar's time
    assert [s.ts_event_ns for s in submitted] == sorted(s.ts_event_ns for s in submitted)


@posix
def test_with_curve_keys_only_the_clusters_processes_get_in(tmp_path: Path) -> None:
    import zmq

    from tickwire.transport import Curve, write_curve_keys

    data = head_of(ACME, 300, tmp_path / "bars.csv")
    config = write_cluster(tmp_path, [f'strategy = "{EMA}"\nparams = {{ fast = 5, slow = 20 }}'])
    config.write_text(config.read_text().replace("[cluster]\n", '[cluster]\ncurve_keys = "keys"\n'))
    config.write_text(config.read_text().replace(str(ACME), str(data)))
    made = _tickwire("cluster", "keys", str(config))
    assert made.returncode == 0, made.stderr
    cluster = load_cluster(config)
    stranger = write_curve_keys(tmp_path / "other", ["stranger"])["stranger"]
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    plain = context.socket(zmq.SUB)
    wrong = context.socket(zmq.SUB)
    server_public, _ = zmq.auth.load_certificate(cluster.path("keys") / "public" / "gateway.key")
    public, secret = zmq.auth.load_certificate(stranger.secret)
    wrong.setsockopt(zmq.CURVE_SERVERKEY, server_public)
    wrong.setsockopt(zmq.CURVE_PUBLICKEY, public)
    wrong.setsockopt(zmq.CURVE_SECRETKEY, secret)
    for sock in (plain, wrong):
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect(cluster.endpoints.market_data)
    try:
        result = _tickwire("cluster", "up", str(config), "--quiet")
        assert result.returncode == 0, result.stdout + result.stderr
        assert plain.poll(0) == 0 and wrong.poll(0) == 0  # not a byte, the whole session
    finally:
        context.destroy(linger=0)
    assert isinstance(cluster.curve("gateway", "x"), Curve)
    _run, events = _recorded(tmp_path / "cluster.db")
    assert sum(isinstance(e, Bar) for e in events) == 300  # the cluster's own got everything
    one_process = Node([EmaCross(fast=5, slow=20)], data=data)
    one_process.run()
    assert _fills([e for e in events if isinstance(e, Fill)]) == _fills(one_process.fills)


@posix
def test_signals_are_sized_and_placed_by_the_executor(tmp_path: Path) -> None:
    data = head_of(ACME, 100, tmp_path / "bars.csv")
    config = write_cluster(tmp_path, [f'strategy = "{STRATEGIES}:SignalEveryTenBars"'], data=data)
    result = _tickwire("cluster", "up", str(config), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    _run, events = _recorded(tmp_path / "cluster.db")
    submitted = [e for e in events if isinstance(e, OrderSubmitted)]
    assert len(submitted) == 10
    assert all(s.signal_id and s.order_id == f"{s.signal_id}-O" for s in submitted)
    assert len([e for e in events if isinstance(e, Fill)]) == 9  # the last has no next bar


@posix
def test_a_failing_strategy_stops_its_process_and_the_cluster_says_so(tmp_path: Path) -> None:
    data = head_of(ACME, 200, tmp_path / "bars.csv")
    config = write_cluster(
        tmp_path,
        [f'strategy = "{EMA}"', f'strategy = "{STRATEGIES}:FailsOnBar50"'],
        data=data,
        gateway="lockstep_timeout = 2",
        restart='policy = "never"',
    )
    result = _tickwire("cluster", "up", str(config), "--quiet")
    assert result.returncode == 1
    assert "failed: FailsOnBar50" in result.stdout
    state = load_cluster(config).state_path
    final = {s.name: s for s in read_statuses(state)}
    assert final["FailsOnBar50"].state == "failed"
    assert "ZeroDivisionError: a strategy bug on bar 50" in final["FailsOnBar50"].detail
    assert final["EmaCross"].state == "finished"
    assert final["EmaCross"].stats["market_events"] == 200
    log = (state / "logs" / "FailsOnBar50.log").read_text()
    assert "strategies.py" in log and "raise ZeroDivisionError" in log


@posix
def test_a_paced_replay_keeps_to_the_datas_clock(tmp_path: Path) -> None:
    data = head_of(ACME, 200, tmp_path / "bars.csv")
    config = write_cluster(
        tmp_path,
        [f'strategy = "{EMA}"'],
        data=data,
        gateway='replay = "paced"\nspeed = 8640000',  # a daily bar every 10 ms
    )
    result = _tickwire("cluster", "up", str(config), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    final = {s.name: s for s in read_statuses(load_cluster(config).state_path)}
    assert final["gateway"].stats["replay_s"] >= 199 * 0.01  # never ahead of the schedule
    assert final["EmaCross"].stats["market_events"] == 200
    _run, events = _recorded(tmp_path / "cluster.db")
    assert sum(isinstance(e, Bar) for e in events) == 200
