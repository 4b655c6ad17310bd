"""The bus package says which design document each compatibility module follows, by
name, and keeps the dispatch core free of those layers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import tickwire.bus

BUS = Path(tickwire.bus.__file__).parent

DOCUMENT_APIS = {
    "event_engine.py": "'Event-Driven Architecture' design document",
    "subscriber.py": "'Event-Driven Architecture' page",
    "manager.py": "'Event-Driven Trading System Usage Guide'",
    "handlers.py": "'Event-Driven Trading System Usage Guide'",
}
CORE = ("_bus.py", "_subscription.py", "dead_letters.py", "failures.py", "threaded.py", "worker.py")


def _docstring(name: str) -> str:
    return ast.get_docstring(ast.parse((BUS / name).read_text())) or ""


def test_each_compatibility_module_names_its_document() -> None:
    for name, document in DOCUMENT_APIS.items():
        assert document in " ".join(_docstring(name).split()), name


def test_no_module_refers_to_the_documents_by_number() -> None:
    for path in BUS.glob("*.py"):
        assert not re.search(r"seed\s*\d|seeds'", path.read_text(), re.IGNORECASE), path.name


def test_the_dispatch_core_imports_none_of_the_compatibility_modules() -> None:
    layers = {f"tickwire.bus.{name.removesuffix('.py')}" for name in DOCUMENT_APIS}
    for name in CORE:
        for node in ast.walk(ast.parse((BUS / name).read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in layers, f"{name} imports {node.module}"
