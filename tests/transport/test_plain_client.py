"""A program with only pyzmq and msgpack, following docs/transport.md, reads ticks from a
tickwire gateway process and pushes a signal a tickwire executor process accepts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.transport.processes import Child


def test_plain_pyzmq_msgpack_client_reads_ticks_and_pushes_an_accepted_signal(
    tmp_path: Path,
) -> None:
    gateway = Child("gateway", "tcp://127.0.0.1:*", "ACME,ACMEX,OTHER", "batched")
    executor = Child(
        "executor",
        "tcp://127.0.0.1:*",
        "tcp://127.0.0.1:*",
        str(tmp_path / "processed.db"),
        str(tmp_path / "orders.db"),
    )
    try:
        market = gateway.expect("READY").split()[1]
        _, signals, acks = executor.expect("READY").split()
        client = Child(market, signals, acks, script=Path(__file__).with_name("plain_client.py"))
        result = json.loads(client.expect("{", timeout=60))
        assert client.stop() == 0
        order = executor.expect("ORDER plain-client-signal-1")
    finally:
        gateway.stop()
        executor.stop()
    assert result["tickwire_imported"] is False
    assert result["ticks"] >= 50
    assert result["topics"] == ["TICK.ACME"]  # not TICK.ACMEX: the space ends the topic
    assert result["senders"] == ["gateway"]
    first = result["first"]
    assert first["_type"] == "Tick" and first["instrument"] == "ACME"
    assert first["ask"] > first["bid"] > 0
    assert result["ack"]["_type"] == "tickwire.SignalAck"
    assert result["ack"]["signal_id"] == "plain-client-signal-1"
    assert order.split()[2] == "plain"
    rows = (
        sqlite3.connect(tmp_path / "orders.db").execute("SELECT signal_id FROM orders").fetchall()
    )
    assert rows == [("plain-client-signal-1",)]  # acked repeats placed no second order
