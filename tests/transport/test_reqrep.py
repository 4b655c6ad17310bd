"""The REQ/REP client: a timeout, the lazy-pirate reconnect that outlives a dead server,
and the circuit breaker around it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.transport.processes import Child
from tickwire.events import EventBase, OrderAccepted, Side, SubmitOrder
from tickwire.execution import BreakerState, CircuitBreaker
from tickwire.transport import CircuitOpenError, RequestClient, RequestTimeout


def _order(order_id: str) -> SubmitOrder:
    return SubmitOrder(
        ts_event_ns=1, instrument="ACME", side=Side.BUY, quantity=1.0, order_id=order_id
    )


def test_the_client_reconnects_after_the_server_died_mid_request(tmp_path: Path) -> None:
    endpoint = f"ipc://{tmp_path}/orders"
    dying = Child("server", endpoint, "die-first")
    dying.expect("READY")
    client = RequestClient(endpoint, sender="executor", timeout_ms=300, retries=50)
    replies: list[EventBase] = []
    asking = threading.Thread(target=lambda: replies.append(client.request(_order("o-1"))))
    asking.start()
    dying.expect("DYING")  # it took the request and died without answering
    dying.stop()
    replacement = Child("server", endpoint, "answer")
    try:
        replacement.expect("READY")
        asking.join(30)
        assert not asking.is_alive()
        second = client.request(_order("o-2"))
    finally:
        client.close()
        replacement.stop()
    assert isinstance(replies[0], OrderAccepted) and replies[0].order_id == "o-1"
    assert isinstance(second, OrderAccepted) and second.order_id == "o-2"
    assert client.reconnects >= 1  # the stuck REQ socket was closed and reopened
    assert client.breaker.state is BreakerState.CLOSED


def test_requests_to_no_server_time_out_then_the_breaker_refuses_them(tmp_path: Path) -> None:
    now = [0]
    breaker = CircuitBreaker(2, 1_000, clock=lambda: now[0])
    client = RequestClient(
        f"ipc://{tmp_path}/nobody", sender="executor", timeout_ms=20, retries=2, breaker=breaker
    )
    try:
        for _ in range(2):
            with pytest.raises(RequestTimeout, match="no reply to 2 tries of 20 ms"):
                client.request(_order("o"))
        assert client.reconnects == 4
        with pytest.raises(CircuitOpenError, match="circuit breaker is open"):
            client.request(_order("o"))
        assert client.reconnects == 4  # refused without sending
        now[0] = 1_000
        assert breaker.state is BreakerState.HALF_OPEN
    finally:
        client.close()
