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


def _documented_in_source() -> set[str]:
    """Classes and functions of the transport whose source gives them a docstring (read
    from the source: the compiled build's classes have no ``__doc__``)."""
    folder = Path(tickwire.transport.__file__).parent
    found = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            definition = (ast.ClassDef, ast.FunctionDef)
            if isinstance(node, definition) and ast.get_docstring(node):
                found.add(node.name)
    return found


def test_every_public_name_is_exported_and_documented() -> None:
    documented = _documented_in_source()
    for name in tickwire.transport.__all__:
        exported = getattr(tickwire.transport, name)
        if callable(exported) and getattr(exported, "__module__", "").startswith(
            "tickwire.transport"
        ):
            assert name in documented, name
        elif callable(exported):
            assert exported.__doc__, name
