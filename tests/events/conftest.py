"""Fixtures for the events tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tickwire.events import _registry, codec


@pytest.fixture
def isolated_registry() -> Iterator[None]:
    """Event types registered during the test are forgotten after it."""
    saved = dict(_registry._by_tag)
    try:
        yield
    finally:
        _registry._by_tag.clear()
        _registry._by_tag.update(saved)
        codec._rebuild(_registry.registered_event_types())
