"""Strategies named by text: ``path/to/file.py:ClassName`` or ``package.module:ClassName``.

A name travels where a class cannot: on the command line, and to worker processes on
other machines, which load the class themselves instead of receiving a pickled one.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tickwire._exceptions import StrategyError, TickwireError
from tickwire.strategy.base import Strategy

__all__ = ["build_strategy", "failure_site", "load_strategy", "strategy_reference"]


def load_strategy(spec: str) -> type[Strategy]:
    """The Strategy subclass that ``spec`` names; StrategyError says what went wrong.

    A file is run as a module (not as ``__main__``, so code under an
    ``if __name__ == "__main__":`` guard does not run); an error while running it is
    reported as coming from that file, with the line where it happened.
    """
    module_part, sep, class_name = spec.rpartition(":")
    if not sep or not module_part or not class_name:
        raise StrategyError(
            f"strategy {spec!r} must look like path/to/file.py:ClassName "
            "or package.module:ClassName"
        )
    if module_part.endswith(".py") or "/" in module_part:
        module = _run_file(Path(module_part))
    else:
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise StrategyError(f"cannot import strategy module {module_part!r}: {exc}") from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise StrategyError(f"{module_part} has no class {class_name!r}")
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise StrategyError(f"{spec} is not a tickwire Strategy subclass")
    return cls


def _run_file(path: Path) -> object:
    if not path.is_file():
        raise StrategyError(f"strategy file not found: {path}")
    resolved = path.resolve()
    # One module per file, so that loading the same file twice gives the same classes.
    module_name = f"tickwire_user_{zlib.crc32(str(resolved).encode()):08x}_{path.stem}"
    loaded = sys.modules.get(module_name)
    if loaded is not None:
        return loaded
    loader_spec = importlib.util.spec_from_file_location(module_name, resolved)
    if loader_spec is None or loader_spec.loader is None:
        raise StrategyError(f"cannot load strategy file {path}")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[module_name]
        raise StrategyError(f"{path}:{exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        del sys.modules[module_name]
        raise StrategyError(_import_failure(exc, path, resolved)) from exc
    return module


def _import_failure(exc: Exception, path: Path, resolved: Path) -> str:
    """What went wrong running the file ``path``: ``path:line: ...`` with the innermost
    line of the file that led to ``exc``, and a hint when that line is top-level code
    (a script's own ``Backtest(...)`` line, which loading the class runs too)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == resolved]
    where = f"{path}:{frames[-1].lineno}" if frames else str(path)
    message = f"{where}: running this strategy file failed: {type(exc).__name__}: {exc}"
    if frames and frames[-1].name == "<module>":
        message += (
            " (loading a class runs its whole file: put code meant to run only as a "
            'script under `if __name__ == "__main__":`)'
        )
    return message


_PACKAGE = Path(__file__).resolve().parents[1]


def failure_site(exc: BaseException) -> str:
    """``file:line`` of the innermost frame of ``exc``'s traceback outside tickwire (the
    user's code that led to the failure), or ``""`` if every frame is tickwire's."""
    site = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if not _is_tickwire(frame.filename):
            site = f"{_shown(Path(frame.filename).resolve())}:{frame.lineno}"
    return site


def _is_tickwire(filename: str) -> bool:
    """Whether a traceback's file is one of tickwire's modules. Compiled modules name
    their source as the compiler was given it (``src/tickwire/...``, relative to the
    build folder), so a name is also matched by its part from ``tickwire`` on."""
    path = Path(filename)
    if path.resolve().is_relative_to(_PACKAGE):
        return True
    parts = path.parts
    if "tickwire" not in parts:
        return False
    start = len(parts) - 1 - parts[::-1].index("tickwire")
    return _PACKAGE.parent.joinpath(*parts[start:]).is_file()


def _shown(file: Path) -> Path:
    """``file`` relative to the working folder when it is inside it, as the user named it."""
    here = Path.cwd()
    return file.relative_to(here) if file.is_relative_to(here) else file


def build_strategy(strategy: type[Strategy], params: Mapping[str, Any]) -> Strategy:
    """``strategy(**params)``; a failure of the class's own ``__init__`` becomes a
    StrategyError naming the class, the parameters and the line that raised."""
    try:
        return strategy(**params)
    except TickwireError:
        raise
    except Exception as exc:
        given = ", ".join(f"{k}={v!r}" for k, v in params.items())
        site = failure_site(exc)
        raise StrategyError(
            f"{strategy.__name__}({given}) failed{f' at {site}' if site else ''}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def strategy_reference(strategy: type[Strategy]) -> str:
    """Text that :func:`load_strategy` turns back into ``strategy`` in another process.

    A class defined in the script being run (``__main__``) is named by the script's path.
    """
    module = sys.modules.get(strategy.__module__)
    if "." in strategy.__qualname__:
        raise StrategyError(
            f"{strategy.__qualname__} is defined inside a function or class; "
            "define it at the top level of a module so other processes can load it"
        )
    origin = getattr(module, "__file__", None)
    if strategy.__module__ == "__main__" or strategy.__module__.startswith("tickwire_user_"):
        if origin is None:
            raise StrategyError(
                f"{strategy.__qualname__} was defined interactively; put it in a file "
                "so other processes can load it"
            )
        return f"{Path(origin).resolve()}:{strategy.__qualname__}"
    return f"{strategy.__module__}:{strategy.__qualname__}"
