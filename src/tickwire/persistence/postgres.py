"""The PostgreSQL event store: shared, server-side, written with binary COPY."""

from __future__ import annotations

import zlib
from typing import Any

from tickwire._exceptions import ConfigError
from tickwire.persistence._redact import redact_credentials
from tickwire.persistence._rows import Row
from tickwire.persistence._sql import SqlStore
from tickwire.persistence._types import StoreError

__all__ = ["PostgresStore"]

_COPY = (
    "COPY events (run_id, seq, last_seq, event_types, type_codes, ts_event_ns,"
    " last_ts_event_ns, encoding, payload) FROM STDIN (FORMAT BINARY)"
)
_COPY_TYPES = ["text", "int8", "int8", "text", "bytea", "int8", "int8", "text", "bytea"]


class PostgresStore(SqlStore):
    """Runs and events in a PostgreSQL database, in their own schema (default "tickwire").

    Needs ``psycopg`` (``pip install "psycopg[binary]"``). The schema is created if
    missing; give each test run its own to keep them apart. With ``compress``, large
    payloads are stored zstd-compressed.
    """

    dialect = "postgresql"
    _placeholder = "%s"

    def __init__(
        self,
        url: str,
        *,
        schema: str = "tickwire",
        compress: bool = True,
        connect_timeout: float = 5.0,
    ) -> None:
        if not schema.isidentifier():
            raise ConfigError(f"PostgresStore schema: expected an identifier, got {schema!r}")
        try:
            import psycopg
        except ImportError:
            raise StoreError('PostgreSQL needs psycopg: pip install "psycopg[binary]"') from None
        location = redact_credentials(url)
        try:
            conn = psycopg.connect(
                url, autocommit=True, connect_timeout=max(1, int(connect_timeout))
            )
        except (psycopg.Error, ValueError) as exc:  # ValueError: a malformed URL
            raise StoreError(
                f"cannot connect to PostgreSQL at {location}: {redact_credentials(str(exc))}"
            ) from None
        quoted = '"' + schema + '"'
        try:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
            conn.execute(f"SET search_path TO {quoted}")
        except psycopg.Error as exc:
            conn.close()
            raise StoreError(f"{location} (schema {schema}): {exc}") from exc
        self.schema = schema
        """The PostgreSQL schema holding the tables."""
        super().__init__(conn, f"{location} (schema {schema})", compress=compress)

    def _is_database_error(self, exc: BaseException) -> bool:
        import psycopg

        return isinstance(exc, psycopg.Error)

    def _lock_schema(self) -> None:
        # A transaction-scoped advisory lock per schema: concurrent openers migrate in turn.
        key = zlib.crc32(f"tickwire-migrations:{self.schema}".encode())
        self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))

    def _insert_rows(self, run_id: str, rows: list[Row]) -> None:
        # One COPY statement: in autocommit mode it commits all rows or none by itself.
        cursor: Any = self._conn.cursor()
        with cursor.copy(_COPY) as copy:
            copy.set_types(_COPY_TYPES)
            for row in rows:
                copy.write_row((run_id, *row))

    def drop_schema(self) -> None:
        """Delete the schema and everything in it (for tests and tear-down), then close."""
        with self._guarded():
            self._conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            self._conn.close()
