"""The ids an exactly-once receiver has processed: a small port, SQLite and in memory.

An id is *claimed* (committed) before its event is processed and *completed* after, so
a restarted receiver never processes it again. An id claimed but never completed (the
process died in between) is *in doubt*: its effect may or may not have happened, so it
is reported, not processed again (the order id derived from a signal id,
``tickwire.execution.order_id_for``, lets the venue side tell).
"""

from __future__ import annotations

import enum
import sqlite3
import time
from pathlib import Path
from typing import Protocol

__all__ = ["Claim", "MemoryProcessedStore", "ProcessedStore", "SqliteProcessedStore"]


class Claim(enum.StrEnum):
    """What :meth:`ProcessedStore.claim` found."""

    NEW = "new"
    """Never seen: now claimed; process it, then complete it."""
    DONE = "done"
    """Processed before: do not process it again."""
    IN_DOUBT = "in-doubt"
    """Claimed by a run that died before completing it: do not process it again."""


class ProcessedStore(Protocol):
    """Where an exactly-once receiver remembers the ids it processed."""

    def claim(self, event_id: str) -> Claim:
        """Claim ``event_id`` durably if it is new; else say what is known of it."""
        ...

    def complete(self, event_id: str) -> None:
        """``event_id`` (claimed) has been processed."""
        ...

    def recover(self) -> list[str]:
        """Ids claimed and never completed by an earlier run, now marked in doubt."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


class MemoryProcessedStore:
    """The store in a dict: for tests of what sits above the port, and for at-least-once
    routes, whose receiver drops repeats only within one run."""

    def __init__(self) -> None:
        self._states: dict[str, Claim] = {}
        self._claimed: set[str] = set()

    def claim(self, event_id: str) -> Claim:
        """Claim ``event_id`` if it is new; else say what is known of it."""
        if event_id in self._claimed:
            return Claim.IN_DOUBT
        state = self._states.get(event_id)
        if state is not None:
            return state
        self._claimed.add(event_id)
        return Claim.NEW

    def complete(self, event_id: str) -> None:
        """``event_id`` has been processed."""
        self._claimed.discard(event_id)
        self._states[event_id] = Claim.DONE

    def recover(self) -> list[str]:
        """Claimed ids never completed, marked in doubt (a store in memory has none
        across runs, but one reused after a failed processing may)."""
        doubtful = sorted(self._claimed)
        for event_id in doubtful:
            self._states[event_id] = Claim.IN_DOUBT
        self._claimed.clear()
        return doubtful

    def close(self) -> None:
        """Nothing to release."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS processed_events (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    ts_ns INTEGER NOT NULL
) WITHOUT ROWID
"""


class SqliteProcessedStore:
    """The store in a SQLite file (WAL): each claim and completion is committed before it
    returns, so it survives a killed process (``synchronous=FULL`` with ``durable=True``
    survives a power loss too, at a cost per signal).

    With ``keep_for`` (seconds), ids completed longer ago than that are forgotten when
    the store opens, so a receiver that runs for months keeps a bounded file: a sender
    gives up on a signal after its last retry, so an id that old never comes again. Ids
    in doubt are kept until someone looks at them.
    """

    def __init__(
        self, path: str | Path, *, durable: bool = False, keep_for: float | None = None
    ) -> None:
        if keep_for is not None and not keep_for > 0:
            raise ValueError(f"keep_for must be above 0 seconds, got {keep_for}")
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(_SCHEMA)
        self.forgotten = (
            0 if keep_for is None else self.forget_before(time.time_ns() - int(keep_for * 1e9))
        )
        """How many completed ids opening the store forgot (``keep_for``)."""

    def forget_before(self, ts_ns: int) -> int:
        """Forget the ids completed before ``ts_ns`` (wall clock); how many."""
        return self._db.execute(
            "DELETE FROM processed_events WHERE state = 'done' AND ts_ns < ?", (ts_ns,)
        ).rowcount

    def claim(self, event_id: str) -> Claim:
        """Claim ``event_id`` (committed) if it is new; else its stored state."""
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO processed_events (id, state, ts_ns) VALUES (?, 'claimed', ?)",
            (event_id, time.time_ns()),
        ).rowcount
        if inserted == 1:
            return Claim.NEW
        row = self._db.execute(
            "SELECT state FROM processed_events WHERE id = ?", (event_id,)
        ).fetchone()
        return Claim.DONE if row is not None and row[0] == Claim.DONE else Claim.IN_DOUBT

    def complete(self, event_id: str) -> None:
        """``event_id`` has been processed (committed)."""
        self._db.execute(
            "UPDATE processed_events SET state = 'done', ts_ns = ? WHERE id = ?",
            (time.time_ns(), event_id),
        )

    def recover(self) -> list[str]:
        """Ids an earlier run claimed and never completed, now marked in doubt."""
        rows = self._db.execute(
            "UPDATE processed_events SET state = 'in-doubt' WHERE state = 'claimed' RETURNING id"
        ).fetchall()
        return sorted(str(row[0]) for row in rows)

    def close(self) -> None:
        """Close the database."""
        self._db.close()
