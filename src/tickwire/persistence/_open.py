"""``open_store``: the right event store for a path or URL."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tickwire._exceptions import ConfigError, StoreError
from tickwire.persistence.memory import MemoryStore
from tickwire.persistence.port import EventStore
from tickwire.persistence.postgres import PostgresStore
from tickwire.persistence.sqlite import SQLiteStore, default_database_path

__all__ = ["open_store"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
_MEMORY_SCHEME = "memory://"

_memory_lock = threading.Lock()
_memory_stores: dict[str, MemoryStore] = {}


def _named_memory_store(name: str) -> MemoryStore:
    with _memory_lock:
        return _memory_stores.setdefault(name, MemoryStore())


def open_store(
    target: str | os.PathLike[str] | None = None,
    *,
    schema: str = "tickwire",
    create: bool = True,
) -> EventStore:
    """The store at ``target``: None for the default SQLite file, a path or ``sqlite:///path``
    (``sqlite://`` alone is in memory), a ``postgresql://`` URL (tables in ``schema``), or
    ``memory://NAME``: a :class:`MemoryStore` of this process, the same one for every
    opening of that name.

    A SQLite file named by its path is created if missing, in a folder that must exist
    (only the default store's folder is made); ``create=False``, for commands that only
    read, opens an existing store only (a SQLite file, a memory store already opened) and
    raises StoreError naming what is missing. A PostgreSQL store opens either way.
    """
    if target is None:
        if not create:
            _must_exist(default_database_path())
        return SQLiteStore()
    if not isinstance(target, str):
        return SQLiteStore(_sqlite_file(Path(target), create))
    if target.startswith(_POSTGRES_SCHEMES):
        url = target.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresStore(url, schema=schema)
    if target.startswith(_MEMORY_SCHEME):
        name = target.removeprefix(_MEMORY_SCHEME)
        if not create and name not in _memory_stores:
            raise StoreError(f"no memory store named {name!r} in this process")
        return _named_memory_store(name)
    if target.startswith("sqlite://"):
        path = target.removeprefix("sqlite://")
        if not path:
            if not create:
                raise StoreError("sqlite:// is a new, empty in-memory database: nothing to read")
            return SQLiteStore(":memory:")
        # As in SQLAlchemy: sqlite:///relative.db and sqlite:////absolute/path.db.
        return SQLiteStore(_sqlite_file(Path(path.removeprefix("/")), create))
    if "://" in target:
        raise ConfigError(
            f"open_store: unsupported URL scheme in {target.split('://', 1)[0]!r}; "
            "use a file path, sqlite:///path, postgresql://... or memory://name"
        )
    return SQLiteStore(_sqlite_file(Path(target), create))


def _sqlite_file(path: Path, create: bool) -> Path:
    """``path``, checked: an existing file, or (``create``) one that can be made in an
    existing folder."""
    file = path.expanduser()
    if not create:
        _must_exist(file)
    elif not file.exists() and not file.parent.is_dir():
        raise StoreError(
            f"cannot create the SQLite store {file}: the folder {file.parent} does not exist"
        )
    return file


def _must_exist(file: Path) -> None:
    if not file.is_file():
        what = "is not a file" if file.exists() else "does not exist"
        raise StoreError(f"no tickwire store at {file}: it {what}")
