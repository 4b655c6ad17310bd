"""The examples named in the seed documents run as written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_event_system_demo() -> None:
    out = run("event_system_demo.py")
    assert "Orders placed: 3" in out
    assert "'Bar': 80" in out
    assert "Errors: 0" in out


def test_async_event_system_demo() -> None:
    out = run("async_event_system_demo.py")
    assert "Bars received: 30" in out
    signals = int(out.split("signals executed: ")[1].split()[0])
    assert signals > 0
    assert f"'Signal': {signals}" in out
