"""The processed-id store: each id claimed once, completed, and in doubt after a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tickwire.transport import Claim, MemoryProcessedStore, ProcessedStore, SqliteProcessedStore


@pytest.fixture(params=["memory", "sqlite"])
def reopen(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], ProcessedStore]:
    """Opens the store again as a restarted process would (memory: the same object)."""
    memory = MemoryProcessedStore()
    if request.param == "memory":
        return lambda: memory
    return lambda: SqliteProcessedStore(tmp_path / "processed.db")


def test_an_id_is_new_once_then_done(reopen: Callable[[], ProcessedStore]) -> None:
    store = reopen()
    assert store.claim("a") is Claim.NEW
    store.complete("a")
    assert store.claim("a") is Claim.DONE
    assert store.claim("b") is Claim.NEW


def test_an_id_claimed_and_never_completed_is_in_doubt_after_a_restart(
    reopen: Callable[[], ProcessedStore],
) -> None:
    first = reopen()
    first.claim("done")
    first.complete("done")
    first.claim("crashed")  # the process dies here
    second = reopen()
    assert second.recover() == ["crashed"]
    assert second.claim("crashed") is Claim.IN_DOUBT
    assert second.claim("done") is Claim.DONE
    assert second.recover() == []  # reported once
