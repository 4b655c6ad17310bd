"""``tickwire backtest`` on damaged or invalid data files: one line naming the file, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from tests.data.helpers import BAR_HEADER

ROWS = [f"2024-01-{day:02d},100,101,99,100.5,1000" for day in range(1, 21)]


def _csv(rows: list[str]) -> bytes:
    return ("\n".join([BAR_HEADER, *rows]) + "\n").encode()


def _damaged_parquet() -> bytes:
    table = pa.table({"ts": [1, 2], "open": [1.0] * 2, "high": [1.0] * 2, "low": [1.0] * 2})
    sink = pa.BufferOutputStream()
    pq.write_table(table.append_column("close", [[1.0] * 2]), sink)
    data = bytes(sink.getvalue().to_pybytes())
    return data[:-12] + b"\xff" * 4 + data[-8:]  # the footer's length no longer fits


CASES = {
    "not-utf8.csv": (_csv(ROWS[:5]) + b"2024-01-06,1\xff0,101,99,100,1\n", "line 7, column 'open'"),
    "long-line.csv": (_csv(ROWS[:2]) + b"2024-01-03," + b"9" * (3 << 20) + b"\n", "line 4"),
    "zero.csv": (_csv([*ROWS[:3], "2024-01-04,0,101,0,100,1"]), "line 5, column 'open'"),
    "twice.csv": (_csv([*ROWS[:3], ROWS[2]]), "line 5, column 'ts'"),
    "damaged.parquet": (_damaged_parquet(), "not a readable Parquet file"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_backtest_on_a_bad_file_prints_one_line_and_exits_2(tmp_path: Path, name: str) -> None:
    data, where = CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    command = [sys.executable, "-c", "from tickwire.cli import main; main()"]
    command += ["backtest", "tickwire.strategy.ema_cross:EmaCross", "--data", str(path)]
    env = {**os.environ, "TICKWIRE_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [*command, "--no-record"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(path) in lines[0] and where in lines[0]
