"""Which of tickwire's modules are compiled, and whether the build that compiled them is current.

A module is compiled when its first line says so: ``# tickwire: compiled by mypyc...`` for
typed Python that mypyc turns into a C extension, ``/* tickwire: compiled as a C
extension...`` for a module written in C. ``setup.py`` compiles what :func:`marked_sources`
finds and writes ``_build.json`` beside this file (:func:`write_record`): the kind of build,
and the hash, size and time of each compiled module's source.

In an editable install a compiled module shadows its source, so an edit takes effect only
after ``pip install -e .``. ``import tickwire`` therefore calls :func:`refuse_stale_build`,
which raises ``StaleBuildError`` naming the module and the command that rebuilds
(``TICKWIRE_ALLOW_STALE=1`` warns instead). ``scripts/test.sh`` runs this file as a script
(``python -P src/tickwire/_build.py check-install test,bench``) to skip a reinstall that would
change nothing. ``setup.py`` and that script load this file on its own, outside the package,
so it imports only the standard library (``packaging``, when installed, for requirements).
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

__all__ = [
    "ALLOW_STALE",
    "build_problem",
    "compiled_modules",
    "describe_build",
    "install_problem",
    "marked_sources",
    "refuse_stale_build",
    "stale_compiled_modules",
    "unmet_requirement",
    "write_record",
]

MYPYC_MARKER = "# tickwire: compiled by mypyc"
C_MARKER = "/* tickwire: compiled as a C extension"
ALLOW_STALE = "TICKWIRE_ALLOW_STALE"
PURE_PYTHON = "TICKWIRE_PURE_PYTHON"
RECORD_NAME = "_build.json"

_PACKAGE = Path(__file__).parent
_MARKERS = {".py": MYPYC_MARKER, ".c": C_MARKER}


def _is_set(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0")


def marked_sources(package: Path = _PACKAGE) -> dict[str, Path]:
    """Every module under ``package`` whose first line marks it compiled: name -> source."""
    found = {}
    for suffix, marker in _MARKERS.items():
        for path in sorted(package.rglob(f"*{suffix}")):
            with path.open(encoding="utf-8") as source:
                if source.readline().startswith(marker):
                    parts = path.relative_to(package).with_suffix("").parts
                    found[".".join((package.name, *parts))] = path
    return dict(sorted(found.items()))


def _digest(path: Path) -> str:
    import hashlib  # here: importing it costs 2 ms, and an import hashes only changed files

    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_record(
    package: Path, compiled: dict[str, Path], interpreted_because: str | None, inputs: list[Path]
) -> None:
    """Write ``_build.json``: what this build compiled and from which sources, why nothing
    was (an interpreted build), and the hashes of ``inputs``, the files the build read."""
    root = package.parent.parent
    modules = {}
    for name, path in compiled.items():
        status = path.stat()
        modules[name] = {
            "source": path.relative_to(package).as_posix(),
            "sha256": _digest(path),
            "size": status.st_size,
            "mtime_ns": status.st_mtime_ns,
        }
    record = {
        "asked_for": "interpreted" if _is_set(PURE_PYTHON) else "compiled",
        "interpreted_because": interpreted_because,
        "inputs": {path.relative_to(root).as_posix(): _digest(path) for path in inputs},
        "modules": modules,
    }
    (package / RECORD_NAME).write_text(json.dumps(record, indent=1) + "\n")


def _record(package: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads((package / RECORD_NAME).read_text())
    except FileNotFoundError:
        return None
    return loaded


def _compiled(package: Path) -> dict[str, dict[str, Any]]:
    modules: dict[str, dict[str, Any]] = (_record(package) or {}).get("modules", {})
    return modules


def _extension_beside(source: Path) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        extension = source.with_suffix(suffix)
        if extension.exists():
            return extension
    return None


def compiled_modules() -> list[str]:
    """The modules of this build that are loaded from compiled extensions."""
    found = []
    for name in _compiled(_PACKAGE):
        origin = getattr(importlib.import_module(name), "__file__", None) or ""
        if origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            found.append(name)
    return found


def describe_build(package: Path = _PACKAGE) -> str:
    """What this build is, in a line (the test session prints it in its header)."""
    record = _record(package)
    if record is None:
        return f"no build record ({package / RECORD_NAME}): not built by setup.py"
    if record["interpreted_because"] is not None:
        return f"interpreted ({record['interpreted_because']})"
    return f"compiled ({len(record['modules'])} modules)"


def stale_compiled_modules(package: Path = _PACKAGE) -> list[str]:
    """Compiled modules whose source changed after the build (rebuild: pip install -e .).

    Only a source tree (``setup.py`` beside ``src``) can be stale: an installed wheel's
    sources are the ones it was built from. And only a module whose extension sits beside
    its source: that extension is what Python loads. A source of the recorded size and time
    is taken as unchanged, any other is hashed (a checkout that rewrote the same bytes is
    not stale)."""
    if not (package.parent.parent / "setup.py").exists():
        return []
    stale = []
    for name, built in _compiled(package).items():
        source = package / built["source"]
        try:
            status = source.stat()
        except FileNotFoundError:
            status = None  # deleted or renamed: an extension left behind would still load
        recorded = (built["size"], built["mtime_ns"])
        if status is not None and (status.st_size, status.st_mtime_ns) == recorded:
            continue
        if _extension_beside(source) is None:
            continue
        if status is None or _digest(source) != built["sha256"]:
            stale.append(name)
    return stale


def _rebuild_hint(package: Path) -> str:
    root = package.parent.parent
    if (root / "setup.py").exists():
        return (
            f"Rebuild with `python -m pip install -e {root}` (or `{PURE_PYTHON}=1 python -m pip "
            f"install -e {root}` to run every module interpreted)"
        )
    return "Reinstall tickwire"


def refuse_stale_build(package: Path = _PACKAGE) -> None:
    """Raise ``StaleBuildError`` when a compiled module is older than its source: the code
    that would run is not the code on disk. ``TICKWIRE_ALLOW_STALE=1`` warns instead."""
    stale = stale_compiled_modules(package)
    if not stale:
        return
    compiled = _compiled(package)
    sources = ", ".join(f"{name} ({package / compiled[name]['source']})" for name in stale)
    what = f"compiled modules are older than their sources, so old code would run: {sources}"
    if _is_set(ALLOW_STALE):
        warning = f"{what}; imported anyway ({ALLOW_STALE} is set). {_rebuild_hint(package)}."
        warnings.warn(warning, RuntimeWarning, stacklevel=3)
        return
    # Imported here, not at the top: setup.py loads this file outside the package.
    from tickwire._exceptions import StaleBuildError

    hint = f"{_rebuild_hint(package)}; {ALLOW_STALE}=1 imports the old build anyway"
    raise StaleBuildError(f"{what}. {hint}.", name=package.name)


def unmet_requirement(requires: list[str], extras: list[str]) -> str | None:
    """The first of ``requires`` (Requires-Dist lines) that applies with ``extras`` and is
    not met by what is installed, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        from packaging.requirements import Requirement
    except ImportError:
        return "packaging is not installed, so the requirements cannot be checked"
    for text in requires:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in ["", *extras]):
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            return f"{requirement.name} is not installed"
        if not requirement.specifier.contains(installed, prereleases=True):
            return f"{requirement.name} {installed} is installed; tickwire needs {requirement}"
    return None


def build_problem(root: Path, pure: bool) -> str | None:
    """Why the build in ``root/src/tickwire`` is not what ``pip install -e root`` would build
    now (``pure``: with TICKWIRE_PURE_PYTHON=1), or None: built by the same setup.py and
    pyproject.toml, the same kind of build, every marked module compiled from its source."""
    package = root / "src" / "tickwire"
    record = _record(package)
    if record is None:
        return f"no build record ({package / RECORD_NAME}): the last build did not finish"
    for name, digest in record["inputs"].items():
        if not (root / name).exists() or _digest(root / name) != digest:
            return f"{name} changed since the last install"
    asked_for = "interpreted" if pure else "compiled"
    if record["asked_for"] != asked_for:
        return f"the last install built the {record['asked_for']} version, not the {asked_for} one"
    if record["interpreted_because"] is not None:
        # Its sources run as they are. (After a build that found no C compiler, test.sh does
        # not reinstall on every run: once there is one, reinstall by hand.)
        return None
    marked, built = set(marked_sources(package)), set(record["modules"])
    if marked != built:
        return f"the set of compiled modules changed: {', '.join(sorted(marked ^ built))}"
    for name, module in record["modules"].items():
        if _extension_beside(package / module["source"]) is None:
            return f"the compiled {name} is missing"
    stale = stale_compiled_modules(package)
    if stale:
        return f"changed since the last build: {', '.join(stale)}"
    return None


def install_problem(root: Path, extras: list[str], pure: bool) -> str | None:
    """Why ``pip install -e "root[extras]"`` would change what is installed, or None when
    the installed tickwire is current: an editable install of ``root`` whose build is
    current (:func:`build_problem`) and whose requirements are met."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        installed = distribution("tickwire")
    except PackageNotFoundError:
        return "tickwire is not installed"
    origin = json.loads(installed.read_text("direct_url.json") or "{}")
    if not origin.get("dir_info", {}).get("editable") or origin.get("url") != root.as_uri():
        return f"tickwire is not installed from {root} as an editable install"
    return build_problem(root, pure) or unmet_requirement(installed.requires or [], extras)


def _main(arguments: list[str]) -> int:
    """``check-install EXTRAS``: exit 0 when the installed build is current for this
    checkout, else print why (for scripts/test.sh, which then reinstalls)."""
    if len(arguments) != 2 or arguments[0] != "check-install":
        print("usage: python -P src/tickwire/_build.py check-install EXTRA[,EXTRA...]")
        return 2
    root = Path(__file__).resolve().parents[2]
    extras = [extra for extra in arguments[1].split(",") if extra]
    problem = install_problem(root, extras, pure=_is_set(PURE_PYTHON))
    if problem is None:
        return 0
    print(f"reinstalling tickwire: {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
