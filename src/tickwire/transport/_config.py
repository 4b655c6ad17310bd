"""Routes: which events go over which socket, with which delivery guarantee (typed config).

A :class:`Route` is a msgspec struct, so a TOML table converts to one with the bad field
named (:func:`route_from_mapping`). Event types are named by their tags (``"Tick"``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from tickwire._exceptions import ConfigError
from tickwire.events import EventBase, registered_event_types
from tickwire.transport._curve import Curve
from tickwire.transport._envelope import event_tag

__all__ = [
    "Batching",
    "Guarantee",
    "Route",
    "market_data_route",
    "route_from_mapping",
    "signal_route",
]


class Guarantee(enum.StrEnum):
    """What a route promises about each event (seed 001's three strategies)."""

    AT_MOST_ONCE = "at-most-once"
    """PUB/SUB: never blocks the sender; events past the high-water mark are dropped,
    counted, and reported downstream as gaps."""
    AT_LEAST_ONCE = "at-least-once"
    """PUSH/PULL with acknowledgements: unacknowledged events are sent again after a
    timeout, up to ``max_attempts`` sends; the receiver drops repeats seen in this run."""
    EXACTLY_ONCE = "exactly-once"
    """At-least-once delivery, and the receiver remembers processed ids in a persistent
    store, so that a restarted receiver never processes an id twice."""


_Positive = Annotated[int, msgspec.Meta(ge=1)]


class Batching(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Send up to ``max_events`` events of a topic in one message, or what is pending once
    the oldest has waited ``max_delay_us`` microseconds, whichever comes first."""

    max_events: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 100
    max_delay_us: Annotated[int, msgspec.Meta(ge=0)] = 200


class Route(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One flow of events between processes."""

    name: str
    endpoint: str
    """The ZeroMQ endpoint: the sender side binds a PUB route, the receiver binds a PULL."""
    event_types: tuple[str, ...]
    """Tags of the event types the route carries (``"Tick"``, ``"Bar"``, ``"Signal"``)."""
    guarantee: Guarantee = Guarantee.AT_MOST_ONCE
    topics: tuple[str, ...] = ()
    """What a subscriber asks for (``"TICK.ACME"``; a topic ending in ``.`` is a prefix);
    empty: everything."""
    batching: Batching | None = None
    high_water_mark: _Positive = 10_000
    ack_endpoint: str = ""
    """Where the receiver of an at-least-once route publishes its acknowledgements."""
    ack_timeout_ms: _Positive = 1_000
    max_attempts: _Positive = 3
    store_path: str = ""
    """The SQLite file of processed ids of an exactly-once route (receiver side)."""
    max_message_bytes: _Positive = 16 * 1024 * 1024
    curve: Curve | None = None
    """CURVE encryption and client authentication (``docs/transport.md``, *Security*);
    None: plain, for loopback."""

    def __post_init__(self) -> None:
        where = f"route {self.name!r}"
        if not self.name:
            raise ConfigError("route: name must not be empty")
        if not self.event_types:
            raise ConfigError(f"{where}: event_types must name at least one event type")
        known = {event_tag(cls) for cls in registered_event_types()}
        for tag in self.event_types:
            if tag not in known:
                raise ConfigError(f"{where}: event_types: unknown event type {tag!r}")
        if self.guarantee is Guarantee.AT_MOST_ONCE:
            if self.ack_endpoint:
                raise ConfigError(f"{where}: ack_endpoint: an at-most-once route has no acks")
            return
        if not self.ack_endpoint:
            raise ConfigError(f"{where}: ack_endpoint is required for {self.guarantee}")
        if self.batching is not None:
            raise ConfigError(f"{where}: batching: {self.guarantee} sends each event alone")
        if self.guarantee is Guarantee.EXACTLY_ONCE and not self.store_path:
            raise ConfigError(f"{where}: store_path (a SQLite file) is required for exactly-once")

    def classes(self) -> tuple[type[EventBase], ...]:
        """The event classes named by :attr:`event_types`."""
        by_tag = {event_tag(cls): cls for cls in registered_event_types()}
        return tuple(by_tag[tag] for tag in self.event_types)


def route_from_mapping(mapping: Mapping[str, Any], where: str = "route") -> Route:
    """A route from a config table (a TOML ``[routes.NAME]``); ConfigError names ``where``
    and the field."""
    try:
        return msgspec.convert(dict(mapping), Route)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def market_data_route(
    endpoint: str = "tcp://127.0.0.1:5555",
    *,
    name: str = "market-data",
    event_types: tuple[str, ...] = ("Tick", "Bar"),
    topics: tuple[str, ...] = (),
    batching: Batching | None = Batching(),  # noqa: B008  (frozen, so sharing is safe)
    high_water_mark: int = 10_000,
) -> Route:
    """Seed 001's market data: PUB/SUB, at-most-once, batched by default."""
    return Route(
        name=name,
        endpoint=endpoint,
        event_types=event_types,
        topics=topics,
        batching=batching,
        high_water_mark=high_water_mark,
    )


def signal_route(
    endpoint: str = "tcp://127.0.0.1:5556",
    ack_endpoint: str = "tcp://127.0.0.1:5557",
    *,
    name: str = "signals",
    event_types: tuple[str, ...] = ("Signal",),
    guarantee: Guarantee = Guarantee.AT_LEAST_ONCE,
    ack_timeout_ms: int = 1_000,
    max_attempts: int = 3,
    store_path: str = "",
) -> Route:
    """Seed 001's signals: PUSH/PULL with acknowledgements and retries."""
    return Route(
        name=name,
        endpoint=endpoint,
        event_types=event_types,
        guarantee=guarantee,
        ack_endpoint=ack_endpoint,
        ack_timeout_ms=ack_timeout_ms,
        max_attempts=max_attempts,
        store_path=store_path,
    )
