"""Which of tickwire's modules run compiled (mypyc), and whether their builds are current.

``setup.py`` compiles the hot path and writes ``_compiled.json`` beside this file: the
SHA-256 of each compiled module's source at build time. In an editable install a compiled
module shadows its ``.py``, so an edit takes effect only after rebuilding; the tests call
:func:`stale_compiled_modules` and refuse to run on a stale build.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

__all__ = ["compiled_modules", "stale_compiled_modules"]

_MANIFEST = Path(__file__).with_name("_compiled.json")
_EXTENSIONS = (".so", ".pyd")
_SOURCES = (".py", ".c")  # mypyc modules, then C ones


def _manifest() -> dict[str, str]:
    try:
        loaded: dict[str, str] = json.loads(_MANIFEST.read_text())
    except FileNotFoundError:
        return {}
    return loaded


def compiled_modules() -> list[str]:
    """The modules of this build that are loaded from compiled extensions."""
    found = []
    for name in _manifest():
        origin = getattr(importlib.import_module(name), "__file__", None) or ""
        if origin.endswith(_EXTENSIONS):
            found.append(name)
    return found


def stale_compiled_modules() -> list[str]:
    """Compiled modules whose source changed after the build (rebuild: pip install -e .)."""
    stale = []
    package = Path(__file__).parent
    for name, digest in _manifest().items():
        module = package.joinpath(*name.split(".")[1:])
        source = next((path for path in map(module.with_suffix, _SOURCES) if path.exists()), None)
        if source is not None and hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            stale.append(name)
    return stale
