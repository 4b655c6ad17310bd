"""Builds tickwire, compiling the per-event hot path.

Which modules are compiled is declared in each module, on its first line: ``# tickwire:
compiled by mypyc...`` (typed Python that mypyc turns into a C extension) or ``/* tickwire:
compiled as a C extension...`` (a module written in C, with a Python twin for interpreted
builds). ``tickwire._build.marked_sources`` finds them; this file builds what it finds. They
run for every bar, order and fill of a backtest: bus dispatch, the portfolio, the simulated
broker and risk checks, bar building, the indicators strategies call on every bar, the
recorder's bus handler. Compiled, a backtest runs about 2.3 times as fast
(``benchmarks/backtest.py``). Everything else, and every user strategy, stays interpreted.

``TICKWIRE_PURE_PYTHON=1 pip install -e .`` builds without compiling (and removes compiled
modules an earlier editable build left in ``src``). So does a machine without a working C
compiler, with one warning. Every build writes ``src/tickwire/_build.json``
(``tickwire._build.write_record``), from which ``import tickwire`` refuses a stale editable
build and ``scripts/test.sh`` skips a reinstall that would change nothing.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
import sysconfig
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
PACKAGE = ROOT / "src" / "tickwire"


def load_build_module() -> ModuleType:
    """``tickwire/_build.py`` on its own: importing the package would import what is built."""
    spec = importlib.util.spec_from_file_location("tickwire_build", PACKAGE / "_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = load_build_module()
INPUTS = [ROOT / "setup.py", ROOT / "pyproject.toml", PACKAGE / "_build.py"]


def remove_built_extensions() -> None:
    """Delete the extensions an earlier editable build left beside the sources: a module
    no longer compiled (or a pure build) must not be shadowed by its old extension."""
    (PACKAGE / BUILD.RECORD_NAME).unlink(missing_ok=True)
    for stale in (ROOT / "src").rglob("*.so"):  # the modules and tickwire_core__mypyc
        stale.unlink(missing_ok=True)


def c_compiler_problem() -> str | None:
    """Why no C extension can be built here (no compiler, no Python headers), or None.
    Building a tiny one takes a fraction of a second; mypyc would take half a minute to
    reach the same error."""
    from distutils.ccompiler import new_compiler
    from distutils.errors import CCompilerError, DistutilsExecError, DistutilsPlatformError
    from distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder, "probe.c")
        probe.write_text("#include <Python.h>\nint tickwire_probe(void) { return 0; }\n")
        try:
            objects = compiler.compile(
                [str(probe)], output_dir=folder, include_dirs=[sysconfig.get_paths()["include"]]
            )
            compiler.link_shared_object(objects, str(Path(folder, "probe.so")))
        except (CCompilerError, DistutilsExecError, DistutilsPlatformError) as error:
            return str(error)
    return None


@cache
def hot_path_extensions() -> tuple[Extension, ...]:
    """The marked modules as extensions, or none (and one warning) without a C compiler."""
    problem = c_compiler_problem()
    if problem is not None:
        print(
            f"WARNING: tickwire: no working C compiler ({problem}), so the hot path is not "
            "compiled: backtests run interpreted, about 2.3 times slower. Install gcc "
            "(or point CC at a C compiler) and reinstall to compile it; "
            "TICKWIRE_PURE_PYTHON=1 chooses the interpreted build without this warning.",
            file=sys.stderr,
        )
        BUILD.write_record(PACKAGE, {}, f"no working C compiler: {problem}", INPUTS)
        return ()
    from mypyc.build import mypycify

    marked = BUILD.marked_sources(PACKAGE)
    sources = {name: str(path.relative_to(ROOT)) for name, path in marked.items()}
    typed = [source for source in sources.values() if source.endswith(".py")]
    extensions = list(mypycify(typed, opt_level="3", group_name="tickwire_core"))
    # mypy's type-checking state is garbage now; collecting it object by object when the
    # process exits took about 4 s of every build. Frozen, it is left to the exit.
    gc.freeze()
    extensions += [Extension(n, [s]) for n, s in sources.items() if s.endswith(".c")]
    for extension in extensions:
        # No fused multiply-add: indicator arithmetic must round like CPython's, step by
        # step (the reference strategy matches other engines' fills bit for bit).
        extension.extra_compile_args.append("-ffp-contract=off")
    BUILD.write_record(PACKAGE, marked, None, INPUTS)
    return tuple(extensions)


class BuildHotPath(build_ext):
    """Runs mypyc only for a command that builds. pip first asks for the requirements
    (``egg_info``) and the metadata (``dist_info``); each lists the extensions' sources,
    which ran mypyc for nothing, about 10 s each time."""

    LISTING_ONLY = frozenset({"egg_info", "dist_info", "sdist"})

    def finalize_options(self) -> None:
        building = not self.LISTING_ONLY.issuperset(self.distribution.commands)
        if self.distribution.ext_modules and building:
            self.distribution.ext_modules = list(hot_path_extensions())
        super().finalize_options()


class BuildPackage(build_py):
    """Copies the package once the extensions are set up: a wheel needs their record."""

    def run(self) -> None:
        hot_path_extensions()
        super().run()


remove_built_extensions()
if os.environ.get("TICKWIRE_PURE_PYTHON", "") not in ("", "0"):
    BUILD.write_record(PACKAGE, {}, "TICKWIRE_PURE_PYTHON=1", INPUTS)
    setup()
else:
    # Until a command that builds asks for the extensions (BuildHotPath), one stand-in
    # lists their sources: setuptools then knows that there are extensions, and an sdist
    # ships every source they are built from.
    sources = [str(path.relative_to(ROOT)) for path in BUILD.marked_sources(PACKAGE).values()]
    setup(
        ext_modules=[Extension("tickwire._hot_path", sources)],
        cmdclass={"build_ext": BuildHotPath, "build_py": BuildPackage},
    )
