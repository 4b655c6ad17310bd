"""The exchange package's public names, and where it sits in the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import tickwire.exchange


def test_every_public_name_exists() -> None:
    for name in tickwire.exchange.__all__:
        assert hasattr(tickwire.exchange, name), name


def test_the_exchange_imports_nothing_of_the_edge() -> None:
    """It sits beside live/: below the command line and the reports, which import it."""
    folder = Path(tickwire.exchange.__file__).parent
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tickwire."):
                layer = (node.module or "").split(".")[1]
                assert layer not in ("cli", "report", "backtest", "sweep", "node"), (path, layer)
