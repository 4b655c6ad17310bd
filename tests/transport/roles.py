"""The processes of the transport tests, one role each: ``python roles.py ROLE ARGS...``.

Each prints ``READY ...`` once its sockets are bound or connected, then one line per
fact the test checks (``ORDER <signal id>``, ``DEAD <count>``...), and stops when its
standard input closes. Run as a script, never imported by the tests.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time

from tickwire.bus import EventBus
from tickwire.events import ErrorEvent, Signal, SubmitOrder, Tick
from tickwire.events.trading import OrderAccepted
from tickwire.execution import SignalExecutor
from tickwire.transport import (
    Batching,
    Guarantee,
    InboundBridge,
    MarketDataPublisher,
    OutboundBridge,
    Pump,
    ReplyServer,
    market_data_route,
    signal_route,
)


def _say(line: str) -> None:
    print(line, flush=True)


def _stdin_closed() -> threading.Event:
    closed = threading.Event()

    def watch() -> None:
        sys.stdin.read()
        closed.set()

    threading.Thread(target=watch, daemon=True).start()
    return closed


def _tick(instrument: str, n: int) -> Tick:
    return Tick(ts_event_ns=n + 1, instrument=instrument, bid=100.0 + n % 7, ask=100.5 + n % 7)


def gateway(endpoint: str, instruments: str, batched: str) -> None:
    """Publish ticks of each instrument, one round a millisecond, until stdin closes."""
    stop = _stdin_closed()
    bus = EventBus()
    batching = Batching(max_events=10, max_delay_us=500) if batched == "batched" else None
    bridge = OutboundBridge(bus, market_data_route(endpoint, batching=batching), sender="gateway")
    pump = Pump([bridge])
    _say(f"READY {bridge.stats()['endpoint']}")
    n = 0
    deadline = time.monotonic() + 60  # bounded: a test that forgets to stop it
    while not stop.is_set() and time.monotonic() < deadline:
        for instrument in instruments.split(","):
            bus.publish(_tick(instrument, n))
        n += 1
        pump.once(0.001)
    _say(f"STOPPED {n}")


def burst(endpoint: str, count: str, high_water_mark: str) -> None:
    """Wait for a subscriber, publish ``count`` ticks at once (unbatched), then one more
    when stdin says ``final``."""
    publisher = MarketDataPublisher(endpoint, sender="burst", high_water_mark=int(high_water_mark))
    _say(f"READY {publisher.bound}")
    if not publisher.wait_for_subscribers(1, 30):
        _say("NO SUBSCRIBER")
        return
    for n in range(int(count)):
        publisher.publish(_tick("ACME", n))
    _say(f"SENT {publisher.sent_events} DROPPED {publisher.dropped_ticks}")
    if sys.stdin.readline().strip() == "final":
        publisher.publish(_tick("ACME", int(count)))
        _say("FINAL")
    sys.stdin.read()


def executor(endpoint: str, ack_endpoint: str, store_path: str, orders_path: str) -> None:
    """Take signals exactly once; each order is a row in ``orders_path`` (the venue)."""
    stop = _stdin_closed()
    orders = sqlite3.connect(orders_path, isolation_level=None)
    orders.execute("CREATE TABLE IF NOT EXISTS orders (order_id TEXT, signal_id TEXT)")
    bus = EventBus()
    SignalExecutor(bus)

    def place(order: SubmitOrder) -> None:
        orders.execute("INSERT INTO orders VALUES (?, ?)", (order.order_id, order.signal_id))
        _say(f"ORDER {order.signal_id} {order.strategy_name}")

    def error(event: ErrorEvent) -> None:
        if event.error_type == "InDoubt":
            _say(f"INDOUBT {event.error.split()[0]}")
        else:
            _say(f"DEAD {len(bus.dead_letters)} {event.error_type}")

    bus.subscribe(SubmitOrder, place)
    bus.subscribe(ErrorEvent, error)
    route = signal_route(
        endpoint, ack_endpoint, guarantee=Guarantee.EXACTLY_ONCE, store_path=store_path
    )
    bridge = InboundBridge(bus, route)
    _say(f"READY {bridge.socket.bound} {bridge.socket.ack_bound}")
    Pump([bridge]).run(stop)


def strategy(market: str, signals: str, acks: str, name: str, every: str) -> None:
    """Subscribe to ACME ticks; every ``every``-th tick, a buy signal goes to the executor."""
    stop = _stdin_closed()
    bus = EventBus()
    inbound = InboundBridge(bus, market_data_route(market, topics=("TICK.ACME",)))
    outbound = OutboundBridge(bus, signal_route(signals, acks), sender=name)
    seen = [0]

    def on_tick(tick: Tick) -> None:
        seen[0] += 1
        if seen[0] % int(every) == 0:
            bus.publish(
                Signal(
                    ts_event_ns=tick.ts_event_ns,
                    instrument=tick.instrument,
                    side=Signal.BUY,
                    trigger_price=tick.ask,
                    quantity=1.0,
                    strategy_name=name,
                    id=f"{name}-{seen[0]}",
                )
            )

    bus.subscribe(Tick, on_tick)
    _say("READY")
    Pump([inbound, outbound]).run(stop)


def server(endpoint: str, mode: str) -> None:
    """Answer SubmitOrder requests with OrderAccepted; ``die-first``: exit on the first
    request without answering (a server that died)."""
    stop = _stdin_closed()

    def accept(request: object) -> OrderAccepted:
        if mode == "die-first":
            _say("DYING")
            os._exit(3)
        assert isinstance(request, SubmitOrder)
        return OrderAccepted(
            ts_event_ns=request.ts_event_ns,
            order_id=request.order_id,
            instrument=request.instrument,
        )

    bus = EventBus()
    rep = ReplyServer(endpoint, accept, sender="order-gateway", dead_letters=bus.dead_letters)
    _say(f"READY {rep.bound}")
    Pump([rep]).run(stop)


ROLES = {
    "gateway": gateway,
    "burst": burst,
    "executor": executor,
    "strategy": strategy,
    "server": server,
}

if __name__ == "__main__":
    ROLES[sys.argv[1]](*sys.argv[2:])
