"""Session-wide checks that must hold before any test means anything."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Importing tickwire refuses a stale compiled build: StaleBuildError names the module. With
# TICKWIRE_ALLOW_STALE=1 it warns instead, which fails here too (warnings are errors in the
# tests); should warnings be let through, the session start below still refuses.
from tickwire._build import describe_build, stale_compiled_modules

# Property tests judge behaviour, never speed: the machine is shared, and a slow moment must
# not fail a test (hypothesis's deadline and its too-slow check are timing assertions).
settings.register_profile("tickwire", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tickwire")


def pytest_report_header() -> str:
    """Which build the tests run on: compiled, or interpreted and why."""
    return f"tickwire build: {describe_build()}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test compiled modules built from older sources than the ones on disk."""
    stale = stale_compiled_modules()
    if stale:
        raise pytest.UsageError(
            f"compiled modules are older than their sources: {', '.join(stale)}. "
            "Rebuild with `pip install -e .` "
            "(or `TICKWIRE_PURE_PYTHON=1 pip install -e .` to run them interpreted)."
        )
