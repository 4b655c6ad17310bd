"""A client written from docs/transport.md alone, with only pyzmq and msgpack: it reads
TICK.ACME messages and pushes one signal until the executor acknowledges it.

Run as a script: ``python plain_client.py MARKET_ENDPOINT SIGNAL_ENDPOINT ACK_ENDPOINT``.
Prints one JSON line with what it saw. No tickwire (nor msgspec) is imported.
"""

import json
import sys
import time

import msgpack
import zmq


def main(market: str, signals: str, acks: str) -> None:
    context = zmq.Context()
    sub = context.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"TICK.ACME ")  # topic, then the space: not TICK.ACMEX
    sub.connect(market)
    ticks, topics, senders = [], set(), set()
    deadline = time.monotonic() + 20
    while len(ticks) < 50 and time.monotonic() < deadline:
        if not sub.poll(1000):
            continue
        frame = sub.recv()
        topic, _, body = frame.partition(b" ")
        version, kind, sender, _seq, events = msgpack.unpackb(body)[:5]
        assert version == 1 and kind == "Tick", (version, kind)
        topics.add(topic.decode())
        senders.add(sender)
        ticks.extend(events)

    ack_sub = context.socket(zmq.SUB)
    ack_sub.setsockopt(zmq.SUBSCRIBE, b"ACK.plain-client ")
    ack_sub.connect(acks)
    push = context.socket(zmq.PUSH)
    push.connect(signals)
    signal = {
        "_type": "Signal",
        "ts_event_ns": ticks[-1]["ts_event_ns"] if ticks else 1,
        "instrument": "ACME",
        "side": "BUY",
        "trigger_price": 101.5,
        "quantity": 2.0,
        "strategy_name": "plain",
        "id": "plain-client-signal-1",
    }
    frame = b"SIGNAL.ACME " + msgpack.packb([1, "Signal", "plain-client", 0, [signal]])
    ack, sends = None, 0
    while ack is None and sends < 20:  # at least once: send again until acknowledged
        push.send(frame)
        sends += 1
        if ack_sub.poll(500):
            _, _, body = ack_sub.recv().partition(b" ")
            ack = msgpack.unpackb(body)[4][0]
    print(
        json.dumps(
            {
                "ticks": len(ticks),
                "first": ticks[0] if ticks else None,
                "topics": sorted(topics),
                "senders": sorted(senders),
                "ack": ack,
                "sends": sends,
                "tickwire_imported": any(
                    m.startswith(("tickwire", "msgspec")) for m in sys.modules
                ),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
