"""The public names of tickwire.data, pinned so that changes are deliberate."""

from __future__ import annotations

import ast
from pathlib import Path

import tickwire.data


def test_public_names() -> None:
    assert sorted(tickwire.data.__all__) == [
        "BadRow",
        "BarChunk",
        "BarSource",
        "DataError",
        "DataReport",
        "MAX_BAD_SAMPLES",
        "SAMPLE_INSTRUMENTS",
        "SyntheticBars",
        "TickChunk",
        "TickSource",
        "bars_from_chunks",
        "parse_interval",
        "read_bars",
        "read_ticks",
        "sample_data_paths",
        "synthetic_bars",
        "ticks_from_chunks",
        "write_bars_csv",
        "write_bars_parquet",
    ]
    assert all(hasattr(tickwire.data, name) for name in tickwire.data.__all__)


def test_data_layer_imports_only_events_from_tickwire() -> None:
    # Imports run down the data flow: data may use events, nothing above it.
    folder = Path(tickwire.data.__file__).parent
    imported = set()
    for source in folder.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.split(".")[0] == "tickwire"}
    assert "tickwire.events" in ours
    assert all(name.startswith(("tickwire.events", "tickwire.data")) for name in ours), ours


def test_synthetic_runs_do_not_import_pyarrow() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tickwire.backtest import Backtest\n"
        "from tickwire.data import synthetic_bars\n"
        "from tickwire.strategy.ema_cross import EmaCross\n"
        "Backtest(EmaCross, synthetic_bars(1000, seed=1)).run()\n"
        "print('pyarrow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
