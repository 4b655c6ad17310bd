"""Builds tickwire, compiling the per-event hot path with mypyc.

The modules in ``COMPILED`` run for every bar, order and fill of a backtest: bus dispatch,
the portfolio, the simulated broker and risk checks, bar building, the indicators
strategies call on every bar, and the recorder's bus handler. They are plain typed Python
(mypy --strict); mypyc turns them into C extensions, which runs a backtest about 2.3 times as
fast (``benchmarks/backtest.py``). The equity curve's point storage is a small C module
(``C_EXTENSIONS``), with a Python twin for pure builds. Everything else, and every user
strategy, stays interpreted.

``TICKWIRE_PURE_PYTHON=1 pip install -e .`` builds without compiling (and removes compiled
modules an earlier editable build left in ``src``). Otherwise, in an editable install a
compiled module shadows its source until the next ``pip install -e .``; the build records
each source's hash in ``src/tickwire/_compiled.json`` so that ``tickwire._build`` (and the
test suite) can tell when a build is stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from setuptools import Extension, setup

COMPILED = [
    "src/tickwire/_floats.py",
    "src/tickwire/backtest/_feed.py",
    "src/tickwire/bus/_bus.py",
    "src/tickwire/bus/_subscription.py",
    "src/tickwire/data/_events.py",
    "src/tickwire/execution/_broker.py",
    "src/tickwire/execution/_orders.py",
    "src/tickwire/execution/_risk.py",
    "src/tickwire/persistence/_capture.py",
    "src/tickwire/portfolio/_portfolio.py",
    "src/tickwire/portfolio/equity.py",
    "src/tickwire/portfolio/position.py",
    "src/tickwire/portfolio/trades.py",
    "src/tickwire/strategy/indicators/_validate.py",
    "src/tickwire/strategy/indicators/extremes.py",
    "src/tickwire/strategy/indicators/levels.py",
    "src/tickwire/strategy/indicators/moving.py",
    "src/tickwire/strategy/indicators/oscillators.py",
    "src/tickwire/strategy/indicators/volatility.py",
]
C_EXTENSIONS = {
    # Written in C where mypyc cannot help: a column of C numbers (with a Python twin,
    # ``_points_py.py``, for builds without a compiler).
    "tickwire.portfolio._points": "src/tickwire/portfolio/_points.c",
}
ROOT = Path(__file__).parent
MANIFEST = ROOT / "src" / "tickwire" / "_compiled.json"


def remove_built_extensions() -> None:
    """Delete the extensions an earlier editable build left beside the sources: a module
    no longer compiled (or a pure build) must not be shadowed by its old extension."""
    MANIFEST.unlink(missing_ok=True)
    for stale in (ROOT / "src").rglob("*.so"):  # the modules and tickwire_core__mypyc
        stale.unlink(missing_ok=True)


def compiled() -> list[object]:
    """The extensions, after recording each compiled source's hash in the manifest."""
    from mypyc.build import mypycify

    digests = {
        ".".join(Path(path).relative_to("src").with_suffix("").parts): hashlib.sha256(
            (ROOT / path).read_bytes()
        ).hexdigest()
        for path in [*COMPILED, *C_EXTENSIONS.values()]
    }
    MANIFEST.write_text(json.dumps(digests, indent=1) + "\n")
    extensions = list(mypycify(COMPILED, opt_level="3", group_name="tickwire_core"))
    extensions += [Extension(name, [path]) for name, path in C_EXTENSIONS.items()]
    for extension in extensions:
        # No fused multiply-add: indicator arithmetic must round like CPython's, step by
        # step (the reference strategy matches other engines' fills bit for bit).
        extension.extra_compile_args.append("-ffp-contract=off")
    return extensions


remove_built_extensions()
pure = os.environ.get("TICKWIRE_PURE_PYTHON", "") not in ("", "0")
setup(ext_modules=[] if pure else compiled())
