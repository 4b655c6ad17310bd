"""Bridges: a bus's chosen events reach another bus unchanged; guarantees show in stats;
an undeliverable signal comes back as a SignalDeliveryError."""

from __future__ import annotations

import time
from pathlib import Path

from tickwire.bus import EventBus
from tickwire.events import Bar, EventBase, Signal, SignalDeliveryError, Tick
from tickwire.transport import (
    Batching,
    Guarantee,
    InboundBridge,
    OutboundBridge,
    Pump,
    market_data_route,
    signal_route,
)


def _signal(signal_id: str) -> Signal:
    return Signal(
        ts_event_ns=1, instrument="ACME", side=Signal.BUY, trigger_price=1.0, id=signal_id
    )


def test_chosen_event_types_travel_from_one_bus_to_the_other(tmp_path: Path) -> None:
    route = market_data_route(
        f"ipc://{tmp_path}/md", event_types=("Tick",), batching=Batching(max_events=2)
    )
    gateway_bus, strategy_bus = EventBus(), EventBus()
    outbound = OutboundBridge(gateway_bus, route, sender="gw")
    inbound = InboundBridge(strategy_bus, route)
    got: list[EventBase] = []
    strategy_bus.subscribe(Tick, got.append)
    strategy_bus.subscribe(Bar, got.append)
    assert outbound.socket.wait_for_subscribers(1, 10)  # type: ignore[union-attr]
    pump = Pump([outbound, inbound])
    tick = Tick(ts_event_ns=1, instrument="ACME", bid=1.0, ask=2.0)
    gateway_bus.publish(tick)
    gateway_bus.publish(Bar(ts_event_ns=1, instrument="ACME", open=1, high=1, low=1, close=1))
    gateway_bus.publish(tick)
    deadline = time.monotonic() + 10
    while len(got) < 2 and time.monotonic() < deadline:
        pump.once(0.05)
    pump.once(0.05)
    outbound.close()
    inbound.close()
    assert got == [tick, tick]  # the bar was not on the route
    assert outbound.stats()["guarantee"] == inbound.stats()["guarantee"] == "at-most-once"
    assert inbound.stats()["received_events"] == 2


def test_a_signal_nobody_acknowledges_comes_back_as_a_delivery_error(tmp_path: Path) -> None:
    bus = EventBus()
    route = signal_route(
        f"ipc://{tmp_path}/signals", f"ipc://{tmp_path}/acks", ack_timeout_ms=20, max_attempts=3
    )
    outbound = OutboundBridge(bus, route, sender="strategy")
    errors: list[SignalDeliveryError] = []
    bus.subscribe(SignalDeliveryError, errors.append)
    lost = _signal("lost-1")
    bus.publish(lost)
    pump = Pump([outbound])
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        pump.once(0.05)
    outbound.close()
    assert len(errors) == 1
    assert (errors[0].signal_id, errors[0].attempts, errors[0].route) == ("lost-1", 3, "signals")
    assert errors[0].signal == lost
    stats = outbound.stats()
    assert (stats["sent"], stats["retried"], stats["gave_up"], stats["in_flight"]) == (1, 2, 1, 0)
    assert stats["guarantee"] == str(Guarantee.AT_LEAST_ONCE)


def test_exactly_once_is_shown_on_both_sides(tmp_path: Path) -> None:
    route = signal_route(
        f"ipc://{tmp_path}/s",
        f"ipc://{tmp_path}/a",
        guarantee=Guarantee.EXACTLY_ONCE,
        store_path=str(tmp_path / "processed.db"),
    )
    outbound = OutboundBridge(EventBus(), route, sender="strategy")
    inbound = InboundBridge(EventBus(), route)
    try:
        assert outbound.stats()["guarantee"] == inbound.stats()["guarantee"] == "exactly-once"
    finally:
        outbound.close()
        inbound.close()
