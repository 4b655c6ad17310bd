"""Every command-line test runs in its own folder with its own default store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``TICKWIRE_HOME`` and the working folder in the test's temporary folder."""
    monkeypatch.setenv("TICKWIRE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
