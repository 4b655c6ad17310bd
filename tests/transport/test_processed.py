"""The processed-id store: each id claimed once, completed, and in doubt after a crash."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tickwire.transport import Claim, MemoryProcessedStore, ProcessedStore, SqliteProcessedStore

DAY = 86_400 * 10**9


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


def test_ids_completed_before_keep_for_are_forgotten_when_the_store_opens(
    tmp_path: Path,
) -> None:
    path = tmp_path / "processed.db"
    first = SqliteProcessedStore(path)
    for event_id in ("old", "doubtful", "recent"):
        first.claim(event_id)
    first.complete("old")
    first.complete("recent")
    first.close()
    with sqlite3.connect(path) as db:  # "old" and "doubtful" claimed a day ago
        db.execute("UPDATE processed_events SET ts_ns = ts_ns - ? WHERE id != 'recent'", (DAY,))
    second = SqliteProcessedStore(path, keep_for=3600)
    assert second.forgotten == 1
    assert second.claim("old") is Claim.NEW  # forgotten: a sender stopped retrying long ago
    assert second.claim("recent") is Claim.DONE
    assert second.claim("doubtful") is Claim.IN_DOUBT  # kept until someone looks at it
    with pytest.raises(ValueError, match="keep_for must be above 0"):
        SqliteProcessedStore(path, keep_for=0)
