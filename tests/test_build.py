"""The compiled hot path: the modules marked compiled are the ones built, what is built is
what runs, a build older than its sources refuses to import, and an install is skipped only
when it would change nothing."""

from __future__ import annotations

import importlib.machinery
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import tickwire
from tickwire import _build
from tickwire._exceptions import StaleBuildError, TickwireError

PACKAGE = Path(tickwire.__file__).parent
ROOT = PACKAGE.parent.parent
EXTENSION = importlib.machinery.EXTENSION_SUFFIXES[0]
MYPYC_LINE = "# tickwire: compiled by mypyc. Edits take effect after `pip install -e .`.\n"
C_LINE = "/* tickwire: compiled as a C extension. Edits take effect after `pip install -e .`. */\n"


def first_line_marked(path: Path) -> bool:
    """The rule, stated independently of tickwire._build: the first line says compiled."""
    with path.open(encoding="utf-8") as source:
        line = source.readline()
    return line.startswith(("# tickwire: compiled by mypyc", "/* tickwire: compiled as a C"))


def record() -> dict[str, object] | None:
    path = PACKAGE / _build.RECORD_NAME
    return json.loads(path.read_text()) if path.exists() else None


def require_compiled_build() -> None:
    """Skip on an interpreted build; on CI, fail one that fell back for want of a compiler."""
    built = record()
    if built is None or built["asked_for"] == "interpreted":
        pytest.skip("interpreted build (TICKWIRE_PURE_PYTHON=1): nothing was compiled")
    because = built["interpreted_because"]
    if because is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the compiled build, but it fell back: {because}")
        pytest.skip(f"the build fell back to interpreted: {because}")


def write_module(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fake_extension(source: Path) -> None:
    """What a compiled build leaves beside a source: the file Python would load instead."""
    source.with_suffix(EXTENSION).write_bytes(b"")


def test_marked_sources_are_the_modules_whose_first_line_is_the_marker(tmp_path: Path) -> None:
    package = tmp_path / "tickwire"
    hot = write_module(package / "bus" / "_bus.py", MYPYC_LINE + "x = 1\n")
    points = write_module(package / "portfolio" / "_points.c", C_LINE + "int x;\n")
    write_module(package / "bus" / "__init__.py", "from tickwire.bus._bus import x\n")
    write_module(package / "late.py", '"""Doc."""\n' + MYPYC_LINE)  # not the first line
    write_module(package / "plain.c", "/* a C file nobody asked to build */\n")
    assert _build.marked_sources(package) == {
        "tickwire.bus._bus": hot,
        "tickwire.portfolio._points": points,
    }


def test_the_build_compiled_exactly_the_marked_modules() -> None:
    candidates = [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.c")]
    marked = {path for path in candidates if first_line_marked(path)}
    assert {path.name for path in marked} >= {"_bus.py", "_broker.py", "_points.c"}
    assert set(_build.marked_sources().values()) == marked
    require_compiled_build()
    built = record()
    assert built is not None
    modules = built["modules"]
    assert isinstance(modules, dict)
    assert {PACKAGE / module["source"] for module in modules.values()} == marked
    assert _build.compiled_modules() == list(modules)  # and each one loads compiled


def test_an_edited_source_makes_its_compiled_module_stale(tmp_path: Path) -> None:
    package = tmp_path / "src" / "tickwire"
    write_module(tmp_path / "setup.py", "")  # a source tree, as an editable install runs from
    source = write_module(package / "execution" / "_broker.py", MYPYC_LINE + "x = 1\n")
    fake_extension(source)
    _build.write_record(package, _build.marked_sources(package), None, [])
    assert _build.stale_compiled_modules(package) == []
    os.utime(source, ns=(1, 1))  # a checkout that rewrote the same bytes
    assert _build.stale_compiled_modules(package) == []
    source.write_text(MYPYC_LINE + "x = 2\n")
    assert _build.stale_compiled_modules(package) == ["tickwire.execution._broker"]
    source.unlink()  # renamed away: the extension left behind would still load
    assert _build.stale_compiled_modules(package) == ["tickwire.execution._broker"]
    source.with_suffix(EXTENSION).unlink()  # nothing shadows the source: it runs as edited
    source.write_text(MYPYC_LINE + "x = 2\n")
    assert _build.stale_compiled_modules(package) == []


def test_an_installed_wheel_is_never_stale(tmp_path: Path) -> None:
    """site-packages/tickwire has no setup.py two levels up, and no check to pay for."""
    package = tmp_path / "site-packages" / "tickwire"
    source = write_module(package / "execution" / "_broker.py", MYPYC_LINE + "x = 1\n")
    fake_extension(source)
    _build.write_record(package, _build.marked_sources(package), None, [])
    source.write_text(MYPYC_LINE + "x = 2\n")
    assert _build.stale_compiled_modules(package) == []
    (tmp_path / "setup.py").write_text("")
    assert _build.stale_compiled_modules(package) == ["tickwire.execution._broker"]


def test_a_stale_build_refuses_to_import_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "src" / "tickwire"
    source = write_module(package / "execution" / "_broker.py", MYPYC_LINE + "x = 1\n")
    fake_extension(source)
    write_module(tmp_path / "setup.py", "")
    _build.write_record(package, _build.marked_sources(package), None, [])
    _build.refuse_stale_build(package)
    source.write_text(MYPYC_LINE + "x = 2\n")
    monkeypatch.delenv(_build.ALLOW_STALE, raising=False)
    with pytest.raises(StaleBuildError) as refused:
        _build.refuse_stale_build(package)
    assert isinstance(refused.value, ImportError) and isinstance(refused.value, TickwireError)
    message = str(refused.value)
    assert "tickwire.execution._broker" in message and str(source) in message
    assert f"python -m pip install -e {tmp_path}" in message and "TICKWIRE_ALLOW_STALE=1" in message
    monkeypatch.setenv(_build.ALLOW_STALE, "1")
    with pytest.warns(RuntimeWarning, match=r"tickwire\.execution\._broker"):
        _build.refuse_stale_build(package)


SCRIPT = """
from tickwire.backtest import Backtest
from tickwire.data import sample_data_paths
from tickwire.strategy.ema_cross import EmaCross

result = Backtest(EmaCross, sample_data_paths()[0]).run()
print("fills", len(result.fills))
"""


def test_a_script_does_not_run_a_compiled_module_older_than_its_source(tmp_path: Path) -> None:
    """Outside pytest too: a broker edited to raise on every bar must not backtest quietly
    with the old compiled broker."""
    require_compiled_build()
    root = tmp_path / "checkout"
    shutil.copytree(ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "setup.py", root / "setup.py")
    broker = root / "src" / "tickwire" / "execution" / "_broker.py"
    edited, count = re.subn(
        r"^    def on_bar\(self, bar.*\n",
        lambda found: found.group() + '        raise RuntimeError("edited")\n',
        broker.read_text(),
        flags=re.MULTILINE,
    )
    assert count == 1
    broker.write_text(edited)
    environment = {**os.environ, "PYTHONPATH": str(root / "src")}
    environment.pop(_build.ALLOW_STALE, None)

    def run(**extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", SCRIPT]
        return subprocess.run(
            command, env={**environment, **extra}, capture_output=True, text=True, timeout=120
        )

    refused = run()
    assert refused.returncode != 0
    assert "StaleBuildError" in refused.stderr
    assert "tickwire.execution._broker" in refused.stderr
    assert f"pip install -e {root}" in refused.stderr
    allowed = run(TICKWIRE_ALLOW_STALE="1")
    assert allowed.returncode == 0, allowed.stderr
    assert "RuntimeWarning" in allowed.stderr and "tickwire.execution._broker" in allowed.stderr
    assert "fills" in allowed.stdout  # the old compiled broker ran: what the opt-out is for


def built_tree(tmp_path: Path, *, compiled: bool) -> Path:
    """A checkout as setup.py leaves it, for build_problem: sources, extensions, record."""
    root = tmp_path / "checkout"
    package = root / "src" / "tickwire"
    inputs = [
        write_module(root / "setup.py", "# setup\n"),
        write_module(root / "pyproject.toml", "[project]\n"),
    ]
    for name in ("_floats.py", "bus/_bus.py"):
        source = write_module(package / name, MYPYC_LINE + "x = 1\n")
        if compiled:
            fake_extension(source)
    marked = _build.marked_sources(package) if compiled else {}
    because = None if compiled else "TICKWIRE_PURE_PYTHON=1"
    _build.write_record(package, marked, because, inputs)
    return root


@pytest.fixture
def asked_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_build.PURE_PYTHON, raising=False)


@pytest.mark.usefixtures("asked_compiled")
def test_a_current_build_needs_no_reinstall_and_each_change_does(tmp_path: Path) -> None:
    root = built_tree(tmp_path, compiled=True)
    package = root / "src" / "tickwire"
    assert _build.build_problem(root, pure=False) is None
    assert "interpreted" in (_build.build_problem(root, pure=True) or "")

    (package / "_floats.py").write_text(MYPYC_LINE + "x = 2\n")
    assert "tickwire._floats" in (_build.build_problem(root, pure=False) or "")
    (package / "_floats.py").write_text(MYPYC_LINE + "x = 1\n")
    assert _build.build_problem(root, pure=False) is None

    write_module(package / "execution" / "_risk.py", MYPYC_LINE)
    assert "tickwire.execution._risk" in (_build.build_problem(root, pure=False) or "")
    (package / "execution" / "_risk.py").unlink()

    (package / "bus" / f"_bus{EXTENSION}").unlink()
    assert "tickwire.bus._bus is missing" in (_build.build_problem(root, pure=False) or "")
    fake_extension(package / "bus" / "_bus.py")

    (root / "pyproject.toml").write_text('[project]\ndependencies = ["numpy"]\n')
    assert "pyproject.toml changed" in (_build.build_problem(root, pure=False) or "")

    (package / _build.RECORD_NAME).unlink()  # a build that failed half way
    assert "no build record" in (_build.build_problem(root, pure=False) or "")


def test_an_interpreted_build_is_current_for_an_interpreted_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_build.PURE_PYTHON, "1")
    root = built_tree(tmp_path, compiled=False)
    assert _build.build_problem(root, pure=True) is None
    assert "compiled" in (_build.build_problem(root, pure=False) or "")
    # Sources of an interpreted build run as they are: editing one needs no reinstall.
    (root / "src" / "tickwire" / "_floats.py").write_text(MYPYC_LINE + "x = 2\n")
    assert _build.build_problem(root, pure=True) is None


@pytest.mark.usefixtures("asked_compiled")
def test_a_build_that_found_no_compiler_is_current_until_setup_changes(tmp_path: Path) -> None:
    root = built_tree(tmp_path, compiled=False)
    package = root / "src" / "tickwire"
    no_compiler = "no working C compiler: command 'cc' failed"
    _build.write_record(package, {}, no_compiler, [root / "setup.py", root / "pyproject.toml"])
    assert _build.build_problem(root, pure=False) is None
    assert _build.describe_build(package) == f"interpreted ({no_compiler})"


def test_unmet_requirements_are_named() -> None:
    assert _build.unmet_requirement(["pytest>=8", 'pyee>=11; extra == "bench"'], ["bench"]) is None
    absent = 'tickwire-absent-package>=1; extra == "test"'
    assert _build.unmet_requirement([absent], []) is None  # an extra not asked for
    assert "tickwire-absent-package is not installed" in (
        _build.unmet_requirement([absent], ["test"]) or ""
    )
    assert "tickwire needs pytest>=999" in (_build.unmet_requirement(["pytest>=999"], []) or "")


def test_the_installed_build_is_current_right_after_the_install() -> None:
    """What lets a second ./scripts/test.sh skip the reinstall (the first one just ran it)."""
    pure = os.environ.get(_build.PURE_PYTHON, "") not in ("", "0")
    assert _build.install_problem(ROOT, ["test", "bench"], pure) is None


def copy_checkout(destination: Path) -> Path:
    """The files an install reads, without what an earlier build left."""
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, destination / name)
    left_by_builds = shutil.ignore_patterns("__pycache__", "*.so", "*.egg-info", "_build.json")
    shutil.copytree(ROOT / "src", destination / "src", ignore=left_by_builds)
    return destination


@pytest.mark.slow
def test_without_a_c_compiler_the_install_falls_back_to_the_interpreted_build(
    tmp_path: Path,
) -> None:
    checkout = copy_checkout(tmp_path)
    wheels = tmp_path / "wheels"
    environment = {**os.environ, "CC": str(tmp_path / "no-such-compiler")}
    environment.pop(_build.PURE_PYTHON, None)
    command = [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation"]
    built = subprocess.run(
        [*command, "--wheel-dir", str(wheels), str(checkout)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    output = built.stdout + built.stderr
    warnings = [line for line in output.splitlines() if "tickwire: no working C compiler" in line]
    assert len(warnings) == 1, output[-3000:]
    assert "TICKWIRE_PURE_PYTHON=1" in warnings[0] and "no-such-compiler" in warnings[0]
    (wheel,) = wheels.glob("tickwire-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (record_name,) = [name for name in names if name.endswith("tickwire/_build.json")]
        built_record = json.loads(archive.read(record_name))
    assert not [name for name in names if name.endswith((".so", ".pyd"))]
    assert [name for name in names if name.endswith("tickwire/execution/_broker.py")]
    assert built_record["modules"] == {}
    assert built_record["interpreted_because"].startswith("no working C compiler")


def check_install(build_module: Path) -> subprocess.CompletedProcess[str]:
    """What scripts/test.sh runs before deciding whether to reinstall."""
    command = [sys.executable, "-P", str(build_module), "check-install", "test,bench"]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_the_test_script_check_passes_for_this_checkout_and_says_why_not_elsewhere(
    tmp_path: Path,
) -> None:
    current = check_install(PACKAGE / "_build.py")
    assert (current.returncode, current.stderr) == (0, "")
    elsewhere = tmp_path / "src" / "tickwire" / "_build.py"
    elsewhere.parent.mkdir(parents=True)
    shutil.copy2(PACKAGE / "_build.py", elsewhere)
    other = check_install(elsewhere)
    assert other.returncode == 1
    assert f"reinstalling tickwire: tickwire is not installed from {tmp_path}" in other.stderr
