"""The compiled hot path: what the build compiled is what runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import tickwire
from tickwire import _build

MANIFEST = Path(tickwire.__file__).with_name("_compiled.json")


def test_every_module_the_build_compiled_is_loaded_compiled() -> None:
    if not MANIFEST.exists():
        pytest.skip("pure-Python build (TICKWIRE_PURE_PYTHON=1): nothing was compiled")
    assert _build.compiled_modules() == list(json.loads(MANIFEST.read_text()))


def test_an_edited_source_makes_its_compiled_module_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "tickwire"
    (package / "bus").mkdir(parents=True)
    source = package / "bus" / "_bus.py"
    source.write_text("x = 1\n")
    manifest = package / "_compiled.json"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    manifest.write_text(json.dumps({"tickwire.bus._bus": digest}))
    monkeypatch.setattr(_build, "_MANIFEST", manifest)
    monkeypatch.setattr(_build, "__file__", str(package / "_build.py"))
    assert _build.stale_compiled_modules() == []
    source.write_text("x = 2\n")
    assert _build.stale_compiled_modules() == ["tickwire.bus._bus"]
