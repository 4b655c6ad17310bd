"""``open_store``: the right event store for a path or URL."""

from __future__ import annotations

import os
import threading

from tickwire._exceptions import ConfigError
from tickwire.persistence.memory import MemoryStore
from tickwire.persistence.port import EventStore
from tickwire.persistence.postgres import PostgresStore
from tickwire.persistence.sqlite import SQLiteStore

__all__ = ["open_store"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_MEMORY_SCHEME = "memory://"

_memory_lock = threading.Lock()
_memory_stores: dict[str, MemoryStore] = {}


def _named_memory_store(name: str) -> MemoryStore:
    with _memory_lock:
        return _memory_stores.setdefault(name, MemoryStore())


def open_store(
    target: str | os.PathLike[str] | None = None, *, schema: str = "tickwire"
) -> EventStore:
    """The store at ``target``: None for the default SQLite file, a path or ``sqlite:///path``
    (``sqlite://`` alone is in memory), a ``postgresql://`` URL (tables in ``schema``), or
    ``memory://NAME``: a :class:`MemoryStore` of this process, the same one for every
    opening of that name."""
    if target is None:
        return SQLiteStore()
    if not isinstance(target, str):
        return SQLiteStore(target)
    if target.startswith(_POSTGRES_SCHEMES):
        url = target.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresStore(url, schema=schema)
    if target.startswith(_MEMORY_SCHEME):
        return _named_memory_store(target.removeprefix(_MEMORY_SCHEME))
    if target.startswith("sqlite://"):
        path = target.removeprefix("sqlite://")
        # As in SQLAlchemy: sqlite:///relative.db and sqlite:////absolute/path.db.
        return SQLiteStore(path.removeprefix("/") if path else ":memory:")
    if "://" in target:
        raise ConfigError(
            f"open_store: unsupported URL scheme in {target.split('://', 1)[0]!r}; "
            "use a file path, sqlite:///path, postgresql://... or memory://name"
        )
    return SQLiteStore(target)
