"""``tickwire runs``: list, show and export, on stores whose contents may be anyone's."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from tickwire.events import Bar, Fill, OrderAccepted, Side, SubmitOrder
from tickwire.persistence import EventStore, RunInfo, RunOwner, RunStatus, open_store

from .helpers import run


@pytest.fixture
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A memory store of this test, named for the --db option."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # tables wide enough not to wrap a cell
    return f"memory://{request.node.nodeid}"


def _bar(ts: int) -> Bar:
    return Bar(ts_event_ns=ts, instrument="X", open=1, high=1, low=1, close=1)


def _recorded(store: EventStore, run_id: str, strategy: str = "s", **kw: object) -> None:
    store.create_run(RunInfo(run_id=run_id, strategy=strategy, started_ns=1, **kw))  # type: ignore[arg-type]
    fill = Fill(ts_event_ns=2, order_id="o", instrument="X", side=Side.BUY, quantity=1.0, price=1.0)
    store.append_events(run_id, 0, [_bar(1), fill])
    store.finish_run(run_id, ended_ns=3, status=RunStatus.FINISHED, event_count=2, rejected=1)


def test_markup_in_stored_names_is_printed_as_text(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    store = open_store(db)
    _recorded(store, "r1", strategy="[/]")
    _recorded(store, "r2", strategy="[bold red]loud[/]")
    code, out, err = run(capsys, "runs", "list", "--db", db)
    assert code == 0, err
    assert "[/]" in out and "[bold red]loud[/]" in out


def test_list_and_show_tell_rejected_and_crashed_runs(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    store = open_store(db)
    _recorded(store, "finished-run")
    nobody = RunOwner(host=socket.gethostname(), pid=2**22 + 1)  # above any pid_max
    store.create_run(RunInfo(run_id="dead-run", strategy="s", owner=nobody, started_ns=5))
    store.append_events(
        "dead-run", 0, [Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1)]
    )
    code, out, _ = run(capsys, "runs", "list", "--db", db)
    assert code == 0
    rows = [line.split() for line in out.splitlines() if "-run" in line]
    assert [row[5:8] for row in rows] == [["crashed", "1", "0"], ["finished", "2", "1"]]
    code, out, _ = run(capsys, "runs", "show", "finished", "--db", db)
    shown = json.loads(out)
    assert (shown["status"], shown["stored_events"], shown["rejected"]) == ("finished", 2, 1)
    code, out, _ = run(capsys, "runs", "show", "dead", "--db", db)
    assert json.loads(out)["recorded_by"] == {"host": nobody.host, "pid": nobody.pid}


def test_export_names_its_file_only_from_the_ids_safe_characters(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    store = open_store(db)
    _recorded(store, "../../../tmp/evil")
    _recorded(store, "/etc")
    code, out, err = run(capsys, "runs", "export", "../", "--db", db)
    assert code == 0, err
    assert out.strip() == "wrote 1 fill to tmpevil_fills.csv"
    assert (tmp_path / "tmpevil_fills.csv").is_file()
    code, out, err = run(capsys, "runs", "export", "/", "--db", db, "--what", "events")
    assert code == 0, err
    assert out.strip() == "wrote 2 events to etc_events.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["etc_events.csv", "tmpevil_fills.csv"]


def test_an_unknown_run_is_one_line(capsys: pytest.CaptureFixture[str], db: str) -> None:
    open_store(db)  # the store exists, empty
    code, _, err = run(capsys, "runs", "show", "[nope]", "--db", db)
    assert code == 2
    assert err.strip() == "error: no recorded run matches '[nope]' (see: tickwire runs list)"


def _runs_listed(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()[1:] if line.strip() and " of " not in line]


def test_list_fits_80_columns_one_line_per_run(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)  # a terminal: its width counts
    monkeypatch.setenv("COLUMNS", "80")
    store = open_store(db)
    store.create_run(RunInfo(run_id="a" * 32, strategy="EmaCross", started_ns=1))
    store.finish_run(
        "a" * 32, ended_ns=3, status="finished", event_count=2, rejected=1,
        summary={"total_return": -0.123},
    )  # fmt: skip
    code, out, _ = run(capsys, "runs", "list", "--db", db)
    assert code == 0
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in out.splitlines()]  # no colours
    assert len(lines) == 2 and max(map(len, lines)) <= 80
    assert lines[1].split() == [
        "a" * 12, "EmaCross", "backtest", "1970-01-01", "00:00", "finished", "2", "1",
        "-12.30%",
    ]  # fmt: skip


def test_list_filters_limits_and_prints_json(capsys: pytest.CaptureFixture[str], db: str) -> None:
    store = open_store(db)
    day = 86_400 * 1_000_000_000
    for n, (strategy, status, mode) in enumerate(
        [("A", RunStatus.FINISHED, "backtest"), ("B", RunStatus.FAILED, "paper"),
         ("A", RunStatus.FAILED, "backtest")]
    ):  # fmt: skip
        store.create_run(
            RunInfo(run_id=f"run{n}", strategy=strategy, started_ns=(n + 1) * day, mode=mode)
        )
        store.finish_run(f"run{n}", ended_ns=(n + 1) * day + 1, status=status, event_count=n)
    _, out, _ = run(capsys, "runs", "list", "--db", db)
    assert _runs_listed(out) == ["run2", "run1", "run0"]  # newest first
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--strategy", "A")
    assert _runs_listed(out) == ["run2", "run0"]
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--status", "failed")
    assert _runs_listed(out) == ["run2", "run1"]
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--since", "1970-01-02T12:00")
    assert _runs_listed(out) == ["run2", "run1"]
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--mode", "paper")
    assert _runs_listed(out) == ["run1"]
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--limit", "1")
    assert _runs_listed(out) == ["run2"] and "1 of 3 runs shown" in out
    _, out, _ = run(capsys, "runs", "list", "--db", db, "--since", "1d")
    assert out.strip() == "no recorded runs match"  # they started in 1970
    code, out, _ = run(capsys, "runs", "list", "--db", db, "--json", "--strategy", "A")
    assert code == 0
    listed = json.loads(out)
    assert [(r["run_id"], r["status"], r["stored_events"], r["mode"]) for r in listed] == [
        ("run2", "failed", 2, "backtest"),
        ("run0", "finished", 0, "backtest"),
    ]
    code, _, err = run(capsys, "runs", "list", "--db", db, "--since", "last week")
    assert code == 2 and "--since 'last week'" in err


def test_export_says_how_many_orders_it_wrote(capsys: pytest.CaptureFixture[str], db: str) -> None:
    store = open_store(db)
    store.create_run(RunInfo(run_id="r", strategy="s"))
    terms = {"instrument": "X", "side": Side.BUY, "quantity": 1.0, "ts_event_ns": 1}
    store.append_events(
        "r",
        0,
        [
            SubmitOrder(order_id="o1", **terms),  # type: ignore[arg-type]
            OrderAccepted(order_id="o1", ts_event_ns=1, instrument="X"),
            SubmitOrder(order_id="o2", **terms),  # type: ignore[arg-type]
        ],
    )
    code, out, err = run(capsys, "runs", "export", "r", "--db", db, "--what", "orders")
    assert code == 0, err
    assert out.strip() == "wrote 3 order events of 2 orders to r_orders.csv"
