"""Open the right event store for a path or URL."""

from __future__ import annotations

import os

from tickwire.persistence.postgres import PostgresStore
from tickwire.persistence.sqlite import SQLiteStore
from tickwire.persistence.store import EventStore

__all__ = ["open_store"]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def open_store(
    target: str | os.PathLike[str] | None = None, *, schema: str = "tickwire"
) -> EventStore:
    """The store at ``target``: None for the default SQLite file, a path or ``sqlite:///path``
    (``sqlite://`` alone is in memory), or a ``postgresql://`` URL (tables in ``schema``)."""
    if target is None:
        return SQLiteStore()
    if not isinstance(target, str):
        return SQLiteStore(target)
    if target.startswith(_POSTGRES_SCHEMES):
        url = target.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresStore(url, schema=schema)
    if target.startswith("sqlite://"):
        path = target.removeprefix("sqlite://")
        # As in SQLAlchemy: sqlite:///relative.db and sqlite:////absolute/path.db.
        return SQLiteStore(path.removeprefix("/") if path else ":memory:")
    if "://" in target:
        raise ValueError(
            f"open_store: unsupported URL scheme in {target.split('://', 1)[0]!r}; "
            "use a file path, sqlite:///path or postgresql://..."
        )
    return SQLiteStore(target)
