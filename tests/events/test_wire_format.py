"""The wire contract: today's bytes of every built-in type are pinned, and the bytes that
earlier versions stored still decode to the same events.

``wire/v<N>.jsonl`` holds, per example of ``wire_examples.py``, its msgpack (hex) and JSON
encodings as version N wrote them; ``v1`` was written by the code before the wire was
versioned (main at c843426). A file is never edited once committed. A change to an event
type that the schema-evolution rules of ``docs/events.md`` allow (a new field with a
default) changes today's bytes: write ``v<N+1>.jsonl`` then, and keep the old files, which
must go on decoding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tickwire.events import (
    BUILTIN_EVENT_TYPES,
    WIRE_VERSION,
    decode,
    decode_json,
    encode,
    encode_json,
)

from .wire_examples import EXAMPLES

WIRE = Path(__file__).parent / "wire"
VERSIONS = sorted(WIRE.glob("v*.jsonl"), key=lambda p: int(p.stem[1:]))


def _load(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return {row["name"]: row for row in map(json.loads, lines)}


def test_the_wire_version_is_the_newest_file() -> None:
    assert VERSIONS[-1].name == f"v{WIRE_VERSION}.jsonl"


def test_every_built_in_type_has_pinned_bytes() -> None:
    newest = _load(VERSIONS[-1])
    assert {cls.__name__ for cls in BUILTIN_EVENT_TYPES} <= set(newest)
    assert set(newest) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_todays_encoding_is_the_pinned_one(name: str) -> None:
    pinned = _load(VERSIONS[-1])[name]
    event = EXAMPLES[name]
    assert encode(event).hex() == pinned["msgpack"]
    assert encode_json(event).decode() == pinned["json"]


@pytest.mark.parametrize("version", VERSIONS, ids=lambda p: p.stem)
def test_bytes_stored_by_every_version_still_decode(version: Path) -> None:
    for name, row in _load(version).items():
        assert decode(bytes.fromhex(row["msgpack"])) == EXAMPLES[name], name
        assert decode_json(row["json"]) == EXAMPLES[name], name
