"""Routes: typed, validated config with the bad field named."""

from __future__ import annotations

import pytest

from tickwire._exceptions import ConfigError
from tickwire.events import Bar, Signal, Tick
from tickwire.transport import (
    Batching,
    Guarantee,
    market_data_route,
    route_from_mapping,
    signal_route,
)


def test_market_data_is_at_most_once_and_batched_by_default() -> None:
    route = market_data_route()
    assert route.guarantee is Guarantee.AT_MOST_ONCE
    assert route.batching == Batching(max_events=100, max_delay_us=200)
    assert route.classes() == (Tick, Bar)
    assert signal_route().classes() == (Signal,)


def test_a_table_converts_to_a_route() -> None:
    route = route_from_mapping(
        {
            "name": "orders",
            "endpoint": "tcp://127.0.0.1:6000",
            "event_types": ["Signal"],
            "guarantee": "exactly-once",
            "ack_endpoint": "tcp://127.0.0.1:6001",
            "store_path": "processed.db",
        }
    )
    assert route.guarantee is Guarantee.EXACTLY_ONCE and route.max_attempts == 3


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"endpoint": "x", "event_types": ["Tick"]}, "Object missing required field `name`"),
        ({"name": "m", "endpoint": "x", "event_types": ["Tick"], "hwm": 5}, "unknown field `hwm`"),
        (
            {"name": "m", "endpoint": "x", "event_types": ["Tick"], "batching": {"max_events": 0}},
            "Expected `int` >= 1 - at `$.batching.max_events`",
        ),
        ({"name": "m", "endpoint": "x", "event_types": ["Nope"]}, "unknown event type 'Nope'"),
        (
            {"name": "s", "endpoint": "x", "event_types": ["Signal"], "guarantee": "at-least-once"},
            "ack_endpoint is required for at-least-once",
        ),
        (
            {
                "name": "s",
                "endpoint": "x",
                "event_types": ["Signal"],
                "guarantee": "exactly-once",
                "ack_endpoint": "y",
            },
            "store_path (a SQLite file) is required",
        ),
        (
            {
                "name": "s",
                "endpoint": "x",
                "event_types": ["Signal"],
                "guarantee": "at-least-once",
                "ack_endpoint": "y",
                "batching": {},
            },
            "batching: at-least-once sends each event alone",
        ),
    ],
)
def test_a_bad_table_names_where_and_the_field(table: dict[str, object], says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        route_from_mapping(table, where="cluster.toml [routes.x]")
    assert "cluster.toml [routes.x]" in str(caught.value) or "route" in str(caught.value)
    assert says in str(caught.value)
