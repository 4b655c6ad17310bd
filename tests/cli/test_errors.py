"""What the command line says when something goes wrong: a user's mistake is one line and
exit 2, a strategy that raises fails its run (exit 1) with a counted, traced report, and
read commands never create a store."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tickwire.data import sample_data_paths
from tickwire.persistence import RunStatus, open_store

from .helpers import run

DATA = str(sample_data_paths()[0])

BOOM = """\
from tickwire.strategy import Strategy


class Boom(Strategy):
    def on_bar(self, bar):
        if bar.close > 0:
            raise ValueError("boom")  # line 7
"""

BREAKOUT = """\
from tickwire.strategy import Strategy
from tickwire.strategy.indicators import SMA


class Breakout(Strategy):
    lookback: int = 20

    def on_start(self):
        self.average = SMA(self.lookback)  # line 9
"""


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def boom() -> str:
    Path("boom.py").write_text(BOOM)
    return "boom.py:Boom"


def test_a_raising_strategy_stops_fails_and_exits_1(
    capsys: pytest.CaptureFixture[str], boom: str
) -> None:
    code, out, err = run(capsys, "backtest", boom, "--data", DATA, "--db", "runs.db")
    assert code == 1
    assert "status │ failed" in out and "errors │ 1 " in out
    lines = err.splitlines()
    assert lines[0] == "error: 1 x ValueError in Boom.on_bar: boom"
    assert 'File "boom.py", line 7, in on_bar' in err or 'boom.py", line 7' in err
    assert "ValueError: boom" in err
    assert lines[-1].startswith("run failed: stopped at the first error, at 2018-01-01")
    assert "handler Boom.on_bar failed" not in err  # the bus's log stays off the terminal
    [info] = open_store("runs.db").list_runs()
    assert (info.status, info.summary and info.summary["status"]) == (RunStatus.FAILED,) * 2


def test_continue_counts_each_kind_once_and_exits_1(
    capsys: pytest.CaptureFixture[str], boom: str
) -> None:
    args = ("backtest", boom, "--data", DATA, "--db", "runs.db", "--on-error", "continue")
    code, out, err = run(capsys, *args)
    assert code == 1
    assert "bars │ 2,000" in out
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: 2,000 x ValueError in Boom.on_bar: boom"
    ]
    assert err.count("Traceback (most recent call last)") == 1
    assert err.splitlines()[-1] == "run finished with errors"
    [info] = open_store("runs.db").list_runs()
    assert info.status == RunStatus.FINISHED_WITH_ERRORS


def test_json_carries_the_status_and_the_first_traceback(
    capsys: pytest.CaptureFixture[str], boom: str
) -> None:
    code, out, _ = run(capsys, "backtest", boom, "--data", DATA, "--no-record", "--json")
    assert code == 1
    summary = json.loads(out)
    assert (summary["status"], summary["errors"]) == ("failed", 1)
    [kind] = summary["error_kinds"]
    assert (kind["component"], kind["error_type"], kind["count"]) == (
        "Boom.on_bar",
        "ValueError",
        1,
    )
    assert "line 7, in on_bar" in kind["traceback"]


def test_a_clean_run_exits_0_and_says_finished(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", DATA, "--no-record"
    )
    assert code == 0, err
    assert "status │ finished" in out and "errors │ 0 " in out


def test_a_parameter_the_strategy_refuses_names_it_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Path("breakout.py").write_text(BREAKOUT)
    args = ("backtest", "breakout.py:Breakout", "--data", DATA, "--param", "lookback=-5")
    code, _, err = run(capsys, *args)
    assert code == 2
    line = _one_line(err)
    assert line.startswith("error: Breakout.on_start (")
    assert "breakout.py:9)" in line and "(lookback=-5)" in line
    assert line.endswith("period must be > 0, got -5")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--cash", "-5", "Invalid value for '--cash': must be a finite amount above 0"),
        ("--cash", "0", "must be a finite amount above 0"),
        ("--cash", "nan", "must be a finite amount above 0"),
        ("--commission", "percent:-1", "percent must be finite and >= 0"),
        ("--commission", "percent:150", "a percent must be below 100"),
        ("--commission", "per_unit:nan", "rate must be finite"),
        ("--slippage", "bps:-5", "bps must be finite and >= 0"),
        ("--slippage", "bps:20000", "basis points must be below 10000"),
        ("--slippage", "ticks:2:-0.01", "must be finite and >= 0"),
    ],
)
def test_numbers_that_cannot_make_sense_are_refused(
    capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    args = ("backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", DATA, option, value)
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert not Path("home").exists()  # nothing was recorded


def test_a_store_in_a_missing_folder_is_refused_and_not_made(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "nonexistent_dir" / "sub" / "tw.db"
    args = ("backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", DATA, "--db", str(target))
    code, _, err = run(capsys, *args)
    assert code == 2
    assert f"the folder {target.parent} does not exist" in _one_line(err)
    assert not (tmp_path / "nonexistent_dir").exists()


def test_a_store_that_cannot_be_created_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = (
        "backtest",
        "tickwire.strategy.ema_cross:EmaCross",
        "--data",
        DATA,
        "--db",
        "/proc/tw.db",
    )
    code, _, err = run(capsys, *args)
    assert code == 2
    assert _one_line(err).startswith("error: cannot open store '/proc/tw.db'")


@pytest.mark.parametrize(
    "command",
    [["runs", "list"], ["runs", "show", "abc"], ["runs", "export", "abc"]],
)
def test_read_commands_never_create_a_store(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, _, err = run(capsys, *command, "--db", "typo.db")
    assert code == 2
    assert "no tickwire store at typo.db: it does not exist" in _one_line(err)
    assert not Path("typo.db").exists()
    code, _, err = run(capsys, *command)  # the default store, before anything was recorded
    assert code == 2 and "no tickwire store at" in _one_line(err)
    assert not Path("home").exists()


def test_read_commands_open_an_existing_store(capsys: pytest.CaptureFixture[str]) -> None:
    open_store("runs.db").close()
    code, _, err = run(capsys, "runs", "list", "--db", "runs.db")
    assert code == 0, err


def test_a_syntax_error_is_file_line_message(capsys: pytest.CaptureFixture[str]) -> None:
    Path("broken.py").write_text("from tickwire import Strategy\n\nclass B(Strategy)\n    pass\n")
    code, _, err = run(capsys, "backtest", "broken.py:B", "--data", DATA)
    assert code == 2
    assert _one_line(err) == "error: broken.py:3: expected ':'"


def test_a_failing_constructor_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    Path("picky.py").write_text(
        textwrap.dedent("""\
        from tickwire import Strategy

        class Picky(Strategy):
            def __init__(self, **params):
                super().__init__(**params)
                raise RuntimeError("not today")
        """)
    )
    code, _, err = run(capsys, "backtest", "picky.py:Picky", "--data", DATA)
    assert code == 2
    assert _one_line(err) == "error: Picky() failed at picky.py:6: RuntimeError: not today"


def test_a_script_run_at_import_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    Path("script.py").write_text(
        "from tickwire.backtest import Backtest\nfrom tickwire.strategy import Strategy\n\n"
        "class S(Strategy):\n    pass\n\nBacktest(S, data='bars.csv').run()\n"
    )
    code, _, err = run(capsys, "backtest", "script.py:S", "--data", DATA)
    assert code == 2
    line = _one_line(err)
    assert line.startswith("error: script.py:7: running this strategy file failed: ")
    assert "'bars.csv'" in line and 'under `if __name__ == "__main__":`' in line


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for line in ("0    the command", "1    the run failed", "2    a usage error", "130  ", "143  "):
        assert line in out
    code, out, _ = run(capsys, "backtest", "--help")
    assert code == 0 and "--on-error [stop|continue]" in out


def test_the_readme_strategy_runs_from_the_shell_in_another_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    example = readme.read_text().split("## A strategy in 15 lines")[1]
    (tmp_path / "breakout.py").write_text(example.split("```python")[1].split("```")[0])
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # no bars.csv here
    args = ("backtest", "../breakout.py:Breakout", "--data", DATA, "--param", "lookback=50")
    code, out, err = run(capsys, *args, "--no-record", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["strategy"] == "Breakout" and summary["status"] == "finished"
