"""Credentials never shown: one redaction for every URL a message or the database holds."""

from __future__ import annotations

import pytest

from tickwire.persistence import redact_credentials


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://user:PASSWORD@host/db", "postgresql://user:***@host/db"),
        ("postgresql://user:p@ss:w@host:5432/db", "postgresql://user:***@host:5432/db"),
        (":memory: and cannot open 'postgres://u:x@h/db'", ":memory: and cannot open 'postgres://u:***@h/db'"),
        ("postgresql://user@host/db?password=s3cret&sslmode=require",
         "postgresql://user@host/db?password=***&sslmode=require"),
        ("host=db user=me password=s3cret dbname=x", "host=db user=me password=*** dbname=x"),
        ("wss://feed.example/ws?token=abc", "wss://feed.example/ws?token=***"),
        ("postgresql://user@host/db", "postgresql://user@host/db"),
        ("postgresql://host:5432/db", "postgresql://host:5432/db"),
        ("/home/me/tickwire.db", "/home/me/tickwire.db"),
    ],
)  # fmt: skip
def test_passwords_are_replaced_and_the_rest_kept(text: str, shown: str) -> None:
    assert redact_credentials(text) == shown
