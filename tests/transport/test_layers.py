"""The transport's place in the layers, and its public names."""

from __future__ import annotations

import ast
from pathlib import Path

import tickwire.transport


def test_the_transport_imports_only_the_layers_below_it() -> None:
    allowed = {"events", "bus", "execution", "transport", "_exceptions", "_types"}
    folder = Path(tickwire.transport.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tickwire."):
                assert (node.module or "").split(".")[1] in allowed, (path.name, node.module)


def test_every_public_name_is_exported_and_documented() -> None:
    for name in tickwire.transport.__all__:
        exported = getattr(tickwire.transport, name)
        if callable(exported):
            assert exported.__doc__, name
