"""Turning command-line words into objects: a strategy class and its parameters."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from tickwire._exceptions import TickwireError
from tickwire.strategy import Strategy

__all__ = ["UsageError", "load_strategy", "parse_params"]


class UsageError(TickwireError):
    """A mistake on the command line; the CLI prints it on one line and exits with 2."""


def load_strategy(spec: str) -> type[Strategy]:
    """``path/to/file.py:ClassName`` or ``package.module:ClassName`` -> the class."""
    module_part, sep, class_name = spec.rpartition(":")
    if not sep or not module_part or not class_name:
        raise UsageError(
            f"strategy {spec!r} must look like path/to/file.py:ClassName "
            "or package.module:ClassName"
        )
    if module_part.endswith(".py") or "/" in module_part:
        path = Path(module_part)
        if not path.is_file():
            raise UsageError(f"strategy file not found: {path}")
        module_name = f"tickwire_user_{path.stem}"
        loader_spec = importlib.util.spec_from_file_location(module_name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise UsageError(f"cannot load strategy file {path}")
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module
        loader_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise UsageError(f"cannot import strategy module {module_part!r}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise UsageError(f"{module_part} has no class {class_name!r}")
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise UsageError(f"{spec} is not a tickwire Strategy subclass")
    return cls


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``("fast=5", "slow=20")`` -> ``{"fast": "5", "slow": "20"}`` (typed later)."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {pair!r} must look like NAME=VALUE")
        params[name.strip()] = value.strip()
    return params
