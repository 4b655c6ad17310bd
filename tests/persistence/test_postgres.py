"""The PostgreSQL adapter: a password never reaches a message or the store's location."""

from __future__ import annotations

import pytest

from tickwire.persistence import PostgresStore, StoreError

from .conftest import RUN_PREFIX


def test_a_failed_connection_does_not_show_the_password() -> None:
    url = "postgresql://trader:SECRET-PASSWORD@127.0.0.1:1/test"  # nothing listens on port 1
    with pytest.raises(StoreError) as caught:
        PostgresStore(url, connect_timeout=1)
    message = str(caught.value)
    assert "SECRET-PASSWORD" not in message
    assert "cannot connect to PostgreSQL at postgresql://trader:***@127.0.0.1:1/test" in message


def test_the_location_shows_no_password(pg_url: str) -> None:
    user_part, host_part = pg_url.removeprefix("postgresql://").split("@", 1)
    url = f"postgresql://{user_part}:not-needed@{host_part}"  # trust auth ignores it
    store = PostgresStore(url, schema=f"{RUN_PREFIX}_redacted_location")
    try:
        assert "not-needed" not in store.location
        assert f"{user_part}:***@" in store.location
    finally:
        store.drop_schema()
