"""The tickwire command: demo, backtest, runs, and one-line errors with exit code 2."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tickwire.cli import main
from tickwire.data import sample_data_paths, synthetic_bars, write_bars_csv
from tickwire.persistence import FILL_COLUMNS

from ..persistence.conftest import pg_url
from .helpers import run

__all__ = ["pg_url"]  # the fixture, for the PostgreSQL test


def test_demo_records_and_writes_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo", "--report", "rep")
    assert code == 0, err
    assert "EmaCross" in out and "tickwire.db" in out
    assert Path("rep/report.html").is_file() and Path("rep/equity.png").is_file()
    code, out, _ = run(capsys, "runs", "list")
    assert code == 0 and "EmaCross" in out and "finished" in out


def test_backtest_json_fills_out_and_export(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    data = str(sample_data_paths()[0])
    db = f"memory://{request.node.nodeid}"
    code, out, err = run(
        capsys,
        "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", data,
        "--param", "fast=5", "--commission", "percent:0.1", "--slippage", "bps:2",
        "--json", "--fills-out", "fills.csv", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["bars"] == 2000 and summary["fills"] > 0
    assert summary["database"] == "memory"
    with open("fills.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(FILL_COLUMNS)
    assert len(rows) == summary["fills"] and float(rows[0]["commission"]) > 0
    assert rows[0]["time"].endswith("+00:00")

    code, out, _ = run(capsys, "runs", "show", summary["run_id"][:10], "--db", db)
    shown = json.loads(out)
    assert code == 0 and shown["parameters"]["fast"] == 5
    assert {key: shown[key] for key in summary} == summary  # the same names for the same things
    code, out, _ = run(
        capsys, "runs", "export", summary["run_id"], "--what", "fills", "--out", "x.csv",
        "--db", db,
    )  # fmt: skip
    assert code == 0 and f"wrote {summary['fills']} fills" in out
    assert Path("x.csv").read_bytes() == Path("fills.csv").read_bytes()  # one fills format


def test_summary_labels_carry_units_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross",
        "--data", str(sample_data_paths()[0]), "--no-record",
    )  # fmt: skip
    assert code == 0, err
    (wall,) = (line for line in out.splitlines() if "wall time" in line)
    assert "wall time s" not in wall and wall.rstrip(" │").endswith(" s")


def test_help_says_what_each_option_does(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    commands = {
        line.split()[0]: line for line in out.split("Commands:")[1].splitlines() if line.strip()
    }
    assert not [line for line in commands.values() if line.endswith("...")]
    _, out, _ = run(capsys, "demo", "--help")
    assert "Folder for the HTML report." in out
    _, out, _ = run(capsys, "runs", "export", "--help")
    out = " ".join(out.split())
    assert (
        "one row per lifecycle event" in out
        and "[default: fills]" in out
        and "[default: csv]" in out
    )


def test_strategy_from_a_file_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    strategy = tmp_path / "mine.py"
    strategy.write_text(
        "from tickwire.strategy import Strategy\n"
        "class BuyOnce(Strategy):\n"
        "    quantity: float = 1\n"
        "    def on_bar(self, bar):\n"
        "        if self.position() == 0:\n"
        "            self.buy(self.quantity)\n"
    )
    bars = tmp_path / "bars.csv"
    write_bars_csv(bars, synthetic_bars(100, seed=1))
    code, out, err = run(
        capsys, "backtest", f"{strategy}:BuyOnce", "--data", str(bars), "--json", "--no-record"
    )
    assert code == 0, err
    assert json.loads(out)["fills"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope.py:X"], "strategy file not found: nope.py"),
        (["tickwire.strategy.ema_cross:Nope"], "has no class 'Nope'"),
        (["tickwire.strategy.ema_cross"], "must look like"),
        (["tickwire.strategy.ema_cross:EmaCross", "--param", "fsat=3"], "no parameter 'fsat'"),
        (["tickwire.strategy.ema_cross:EmaCross", "--param", "fast=x"], "must be int"),
        (["tickwire.strategy.ema_cross:EmaCross", "--commission", "weird:1"], "kind must be"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    data = str(sample_data_paths()[0])
    code, _, err = run(capsys, "backtest", *args, "--data", data)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_data_names_file_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    Path("bad.csv").write_text(
        "ts,open,high,low,close,volume\n2020-01-01,1,2,0.5,1,10\n2020-01-02,1,0.2,0.5,1,10\n"
    )
    code, _, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "bad.csv"
    )
    assert code == 2
    assert "bad.csv, line 3, column 'high'" in err
    with pytest.raises(Exception, match="high"):
        main(["--debug", "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "bad.csv"])


def test_missing_data_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "missing.csv"
    )
    assert code == 2 and "data file not found: missing.csv" in err


def test_markup_in_data_is_printed_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    Path("bad.csv").write_text("ts,open,high,low,close,volume\n2020-01-01,1,2,0.5,[/x],10\n")
    code, _, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", "bad.csv"
    )
    assert code == 2
    assert err.strip() == (
        "error: bad.csv, line 2, column 'close': cannot parse '[/x]' as a number"
    )


def test_a_store_that_cannot_be_opened_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("notes.db").write_text("not a database\n" * 200)
    data = str(sample_data_paths()[0])
    for args in (
        ["backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", data, "--db", "notes.db"],
        ["runs", "list", "--db", "notes.db"],
        ["runs", "list", "--db", "mysql://somewhere/db"],
    ):
        code, _, err = run(capsys, *args)
        assert code == 2, err
        assert err.startswith("error: cannot open store")
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_password_in_a_store_url_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://trader:SECRET-PASSWORD@127.0.0.1:1/test"  # nothing listens on port 1
    data = str(sample_data_paths()[0])
    for args in (
        ["backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", data, "--db", url],
        ["runs", "list", "--db", url],
    ):
        code, out, err = run(capsys, *args)
        assert code == 2
        assert "SECRET-PASSWORD" not in out + err
        assert "postgresql://trader:***@127.0.0.1:1/test" in err


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:
    """The URL of a database made for this test (the command line always uses the schema
    "tickwire", so a database of its own keeps the test apart), dropped after."""
    name = f"tw_cli_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{pg_url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_recorded_run_in_postgres_shows_no_password(
    capsys: pytest.CaptureFixture[str], pg_database: str
) -> None:
    user, host = pg_database.removeprefix("postgresql://").split("@", 1)
    url = f"postgresql://{user}:SECRET-PASSWORD@{host}"  # trust auth ignores the password
    data = str(sample_data_paths()[0])
    for extra in ([], ["--json"]):
        code, out, err = run(
            capsys,
            "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", data, "--db", url,
            *extra,
        )  # fmt: skip
        assert code == 0, err
        assert "SECRET-PASSWORD" not in out + err
        assert f"{user}:***@" in out
    code, out, err = run(capsys, "runs", "show", json.loads(out)["run_id"], "--db", url)
    assert code == 0 and "SECRET-PASSWORD" not in out + err
