"""``tickwire live`` as a user runs it: a real process on a real websocket feed, stopped by
real signals, its session recorded and compared with a backtest on the same bars."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tickwire.data import read_bars, sample_data_paths
from tickwire.persistence import RunMode, RunStatus, SQLiteStore

from .feed_server import ThreadedFeedServer, kline_message, tickwire_message
from .helpers import run

posix = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")

EMA = "tickwire.strategy.ema_cross:EmaCross"
_DAY_MS = 86_400_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_children: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_child_outlives_its_test() -> Iterator[None]:
    """A test that fails before its ``tickwire live`` ends still kills the process."""
    yield
    while _children:
        child = _children.pop()
        if child.poll() is None:
            child.kill()
            child.communicate(timeout=30)


def _start_live(*args: str) -> tuple[subprocess.Popen[str], int]:
    """``tickwire live ARGS --health-port P`` as a child process; the port."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [
            sys.executable, "-c", "import sys; from tickwire.cli import main; main(sys.argv[1:])",
            "live", *args, "--health-port", str(port), "--status-every", "0", "--heartbeat",
            "0.1",
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    _children.append(child)
    return child, port


def _wait_for(child: subprocess.Popen[str], port: int, kind: str, count: int) -> dict[str, Any]:
    """Poll the child's /health until its bus has carried ``count`` events of type
    ``kind`` (60 s at most); the health it reported then."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise AssertionError(f"tickwire live exited early: {child.communicate()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                health: dict[str, Any] = json.loads(reply.read())
        except OSError:  # not serving yet
            time.sleep(0.05)
            continue
        if health["events"].get(kind, 0) >= count:
            return health
        time.sleep(0.05)
    raise AssertionError(f"no {count} {kind} events within 60 s")


@posix
def test_a_paper_session_on_binance_klines_fills_exactly_as_the_backtest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(sample_data_paths()[0])
    bars = list(read_bars(data))
    db = str(tmp_path / "tw.db")
    code, out, err = run(
        capsys, "backtest", EMA, "--data", data, "--db", db, "--json", "--fills-out", "bt.csv"
    )
    assert code == 0, err
    backtest = json.loads(out)
    klines = [kline_message(bar, "1d", _DAY_MS) for bar in bars]
    with ThreadedFeedServer(klines) as server:
        child, port = _start_live(
            EMA, "--feed", server.url, "--format", "binance", "--instrument", "acme@kline_1d",
            "--paper", "--db", db, "--json",
        )  # fmt: skip
        health = _wait_for(child, port, "Bar", len(bars))
        assert health["status"] == "running"
        health = _wait_for(child, port, "Heartbeat", 3)
        assert health["components"]["EmaCross"]["last_heartbeat_ns"] is not None
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    session = json.loads(out)
    assert (session["status"], session["stopped_by"]) == ("stopped", "SIGINT")
    assert json.loads(server.requests[0])["params"] == ["acme@kline_1d"]
    assert session["fills"] == backtest["fills"] > 0
    assert session["stored_events"] == session["events"]  # every event published is stored
    code, out, err = run(
        capsys, "runs", "export", session["run_id"], "--what", "fills", "--out", "live.csv",
        "--db", db,
    )  # fmt: skip
    assert code == 0, err
    assert Path("live.csv").read_bytes() == Path("bt.csv").read_bytes()  # the same fills
    with SQLiteStore(db) as store:
        info = store.get_run(session["run_id"])
    assert (info.mode, info.status) == (RunMode.PAPER, RunStatus.STOPPED)
    assert info.event_count == session["events"]
    code, out, err = run(
        capsys, "backtest", EMA, "--replay", session["run_id"], "--db", db, "--json",
        "--fills-out", "replayed.csv",
    )  # fmt: skip
    assert code == 0, err
    replay = json.loads(out)
    assert replay["bars"] == len(bars)
    assert Path("replayed.csv").read_bytes() == Path("bt.csv").read_bytes()  # and replayed
    code, out, _ = run(capsys, "runs", "diff", session["run_id"], replay["run_id"], "--db", db)
    assert code == 0 and out.startswith("identical: ")


@posix
def test_sigterm_stops_a_session_gracefully_with_every_event_stored(tmp_path: Path) -> None:
    bars = list(read_bars(str(sample_data_paths()[0])))
    messages = [tickwire_message(seq, bar) for seq, bar in enumerate(bars, 1)]
    db = str(tmp_path / "tw.db")
    with ThreadedFeedServer(messages, per_second=2_000) as server:
        child, port = _start_live(
            EMA, "--feed", server.url, "--instrument", "ACME", "--paper", "--db", db, "--json"
        )
        health = _wait_for(child, port, "Bar", 300)  # mid-stream: bars still arriving
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert health["stats"]["feeds"]["feed"]["received"] >= 300  # the feed's own counters
    session = json.loads(out)
    assert (session["status"], session["stopped_by"]) == ("stopped", "SIGTERM")
    with SQLiteStore(db) as store:
        info = store.get_run(session["run_id"])
        stored = list(store.iter_events(info.run_id))
    assert info.status == RunStatus.STOPPED and info.mode == RunMode.PAPER
    assert len(stored) == info.event_count == session["events"]
    assert 300 <= sum(type(e).__name__ == "Bar" for e in stored) < len(bars)
    assert type(stored[-1]).__name__ == "LifecycleEvent"  # the stop itself is recorded


_RAISES = """
from tickwire.strategy import Strategy


class RaisesAtFive(Strategy):
    def on_start(self) -> None:
        self.seen = 0

    def on_bar(self, bar) -> None:
        self.seen += 1
        if self.seen == 5:
            raise RuntimeError("boom at bar five")
"""


@posix
def test_a_strategy_that_raises_is_stopped_and_the_session_exits_1(tmp_path: Path) -> None:
    (tmp_path / "raises.py").write_text(_RAISES)
    bars = list(read_bars(str(sample_data_paths()[0])))[:50]
    messages = [tickwire_message(seq, bar) for seq, bar in enumerate(bars, 1)]
    with ThreadedFeedServer(messages) as server:  # all at once, before the strategy is up
        child, _ = _start_live(
            f"{tmp_path / 'raises.py'}:RaisesAtFive", "--feed", server.url, "--instrument",
            "ACME", "--paper", "--no-record", "--duration", "30",
        )  # fmt: skip
        out, err = child.communicate(timeout=60)
    assert child.returncode == 1, (out, err)
    assert "RaisesAtFive: failed" in out and "session failed" in out
    assert "boom at bar five" in err and "raises.py" in err  # the traceback, with the file


def test_live_needs_paper_and_an_unreachable_feed_fails_fast_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "live", EMA, "--feed", "ws://127.0.0.1:9")
    assert code == 2 and "needs --paper" in err and "or --exchange URL" in err
    code, out, err = run(
        capsys, "live", EMA, "--feed", f"ws://127.0.0.1:{_free_port()}", "--paper",
        "--no-record", "--connect-timeout", "1", "--status-every", "0",
    )  # fmt: skip
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert "could not connect to ws://127.0.0.1:" in line and "within 1 s" in line


_QUOTES = """
from tickwire.strategy import Strategy


class FlipsOnQuotes(Strategy):
    every: int = 25

    def on_start(self) -> None:
        self.seen = 0

    def on_tick(self, tick) -> None:
        self.seen += 1
        if self.seen % self.every == 0:
            if self.position() > 0:
                self.close()
            else:
                self.buy(3)
"""


def _book_ticker(update_id: int, symbol: str, bid: float, ask: float) -> str:
    return json.dumps(
        {"u": update_id, "s": symbol, "b": repr(bid), "B": "5", "a": repr(ask), "A": "7"}
    )


@posix
def test_a_paper_session_on_quotes_replays_as_a_backtest_with_the_same_fills(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flips.py").write_text(_QUOTES)
    strategy = f"{tmp_path / 'flips.py'}:FlipsOnQuotes"
    quotes = [
        _book_ticker(n, "BNBUSDT", 25.0 + (n % 17) * 0.01, 25.02 + (n % 17 + n % 3) * 0.01)
        for n in range(1, 501)
    ]
    db = str(tmp_path / "tw.db")
    with ThreadedFeedServer(quotes) as server:
        child, port = _start_live(
            strategy, "--feed", server.url, "--format", "binance", "--instrument",
            "bnbusdt@bookTicker", "--paper", "--db", db, "--json",
        )  # fmt: skip
        _wait_for(child, port, "Tick", len(quotes))
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    session = json.loads(out)
    assert session["fills"] == 19  # an order at every 25th quote, filled at the next (not the last)
    code, _, err = run(
        capsys, "runs", "export", session["run_id"], "--what", "fills", "--out", "live.csv",
        "--db", db,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, "backtest", strategy, "--replay", session["run_id"], "--db", db, "--json",
        "--fills-out", "replayed.csv",
    )  # fmt: skip
    assert code == 0, err
    assert Path("replayed.csv").read_bytes() == Path("live.csv").read_bytes()


@posix
def test_a_session_at_a_local_exchange_holds_exactly_the_venues_fills(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tickwire.exchange import ExchangeClient

    from ..exchange.process import ExchangeProcess

    db = str(tmp_path / "tw.db")
    venue = ExchangeProcess("--port", "0", "--speed", "50000000", "--lose-acks", "0.2").start()
    try:
        child, port = _start_live(
            EMA, "--feed", venue.url, "--instrument", "ACME", "--exchange", venue.url,
            "--db", db, "--json",
        )  # fmt: skip
        _wait_for(child, port, "Bar", 2000)  # the sample file, to its end
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err

        async def venue_fills() -> list[Any]:
            client = ExchangeClient(venue.url)
            try:
                return await client.fills_since(0)
            finally:
                await client.close()

        import asyncio

        at_venue = asyncio.run(venue_fills())
    finally:
        venue.terminate()
    session = json.loads(out)
    assert (session["status"], session["stopped_by"]) == ("stopped", "SIGTERM")
    assert session["fills"] == len(at_venue) > 0  # a fifth of the acks lost: none doubled
    code, _, err = run(
        capsys, "runs", "export", session["run_id"], "--what", "fills", "--out", "f.csv",
        "--db", db,
    )  # fmt: skip
    assert code == 0, err
    with open("f.csv", newline="") as f:
        exported = [(row["order_id"], float(row["price"])) for row in csv.DictReader(f)]
    assert exported == [(fill.client_order_id, fill.price) for fill in at_venue]
    with SQLiteStore(db) as store:
        assert store.get_run(session["run_id"]).mode == RunMode.LIVE


_FAR_LIMITS = """
from tickwire.events import OrderType
from tickwire.strategy import Strategy


class FarLimits(Strategy):
    def on_start(self) -> None:
        self.placed = 0
        self.flat = self.position("ACME") == 0  # not when the venue's position was adopted

    def on_bar(self, bar) -> None:
        if self.flat:
            self.flat = False
            self.buy(1)
        if self.placed < 3:  # limits far below the market: they stay working
            self.placed += 1
            self.buy(1, order_type=OrderType.LIMIT, limit_price=1.0)
"""


@posix
def test_a_killed_session_restarted_adopts_its_open_orders_and_places_none_again(
    tmp_path: Path,
) -> None:
    from tickwire.events import ReconciliationEvent

    from ..exchange.process import ExchangeProcess

    (tmp_path / "far.py").write_text(_FAR_LIMITS)
    strategy = f"{tmp_path / 'far.py'}:FarLimits"
    db = str(tmp_path / "tw.db")
    venue = ExchangeProcess("--port", "0", "--speed", str(86_400 * 20)).start()
    try:
        args = (strategy, "--feed", venue.url, "--instrument", "ACME", "--exchange", venue.url,
                "--db", db, "--json")  # fmt: skip
        first, port = _start_live(*args)
        _wait_for(first, port, "OrderAccepted", 4)
        _wait_for(first, port, "Fill", 1)  # the market buy
        first.kill()  # SIGKILL: no stop, no reconciliation, no closing of the run
        first.communicate(timeout=30)
        second, port = _start_live(*args)
        _wait_for(second, port, "OrderAccepted", 3)  # its own three
        second.send_signal(signal.SIGTERM)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err

        async def at_venue() -> tuple[list[str], int]:
            client = ExchangeClient(venue.url)
            try:
                opened = [o.client_order_id for o in await client.open_orders()]
                return opened, len(await client.fills_since(0))
            finally:
                await client.close()

        import asyncio

        from tickwire.exchange import ExchangeClient

        open_ids, fills = asyncio.run(at_venue())
    finally:
        venue.terminate()
    session = json.loads(out)
    with SQLiteStore(db) as store:
        runs = {info.run_id: info for info in store.list_runs()}
        found = [
            e for e in store.iter_events(session["run_id"], [ReconciliationEvent])
            if isinstance(e, ReconciliationEvent)
        ]  # fmt: skip
    (killed,) = [info for run_id, info in runs.items() if run_id != session["run_id"]]
    assert killed.status == "crashed"  # found so when the store was opened again
    adopted = sorted(e.order_id for e in found if e.kind == "ORDER_ADOPTED")
    own = [i for i in open_ids if i not in adopted]
    assert len(adopted) == 3 and len(own) == 3  # the killed session's three, and its own
    sessions = {i.split("-")[1] for i in own}, {i.split("-")[1] for i in adopted}
    assert len(sessions[0]) == len(sessions[1]) == 1 and sessions[0] != sessions[1]
    assert len(open_ids) == 6  # nothing the venue had was placed again
    adopted_positions = [(e.instrument, e.quantity) for e in found if e.kind == "POSITION_ADOPTED"]
    assert adopted_positions == [("ACME", 1.0)]
    assert fills == 1  # holding the adopted position, the second session did not buy again
