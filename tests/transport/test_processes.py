"""The transport between real processes on loopback: crash isolation, malformed frames,
drops at the high-water mark, at-least-once retries and an exactly-once effect across
executor restarts."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from pathlib import Path

import zmq

from tests.transport.processes import Child
from tickwire.bus import EventBus
from tickwire.events import FeedGap, Signal, SignalDeliveryError, Tick
from tickwire.transport import FrameEncoder, MarketDataSubscriber, Pump, SignalSender

_BOUND_S = 30.0  # every wait below gives up after this, so a broken build fails, not hangs


def _signal(signal_id: str, price: float = 101.0) -> Signal:
    return Signal(
        ts_event_ns=1,
        instrument="ACME",
        side=Signal.BUY,
        trigger_price=price,
        quantity=1.0,
        strategy_name="test",
        id=signal_id,
    )


def _orders(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT signal_id FROM orders")]


def _executor(tmp_path: Path) -> Child:
    return Child(
        "executor",
        f"ipc://{tmp_path}/signals",
        f"ipc://{tmp_path}/acks",
        str(tmp_path / "processed.db"),
        str(tmp_path / "orders.db"),
    )


def test_a_crashed_strategy_leaves_the_gateway_executor_and_other_strategy_running(
    tmp_path: Path,
) -> None:
    gateway = Child("gateway", "tcp://127.0.0.1:*", "ACME", "batched")
    executor = _executor(tmp_path)
    market = gateway.expect("READY").split()[1]
    executor.expect("READY")
    args = (market, f"ipc://{tmp_path}/signals", f"ipc://{tmp_path}/acks")
    doomed = Child("strategy", *args, "doomed", "20")
    survivor = Child("strategy", *args, "survivor", "20")
    try:
        executor.expect("ORDER doomed-")
        executor.expect("ORDER survivor-")
        doomed.kill()
        executor.drain()
        for _ in range(5):  # the survivor's signals keep becoming orders
            executor.expect("ORDER survivor-")
        assert gateway.proc.poll() is None
        assert executor.proc.poll() is None
        assert survivor.proc.poll() is None
    finally:
        for child in (survivor, doomed, executor, gateway):
            child.stop()
    orders = _orders(tmp_path / "orders.db")
    assert len(orders) == len(set(orders))


def test_malformed_frames_at_the_executor_become_dead_letters_and_it_keeps_receiving(
    tmp_path: Path,
) -> None:
    executor = _executor(tmp_path)
    executor.expect("READY")
    context = zmq.Context()
    push = context.socket(zmq.PUSH)
    push.connect(f"ipc://{tmp_path}/signals")
    encoder = FrameEncoder("tester")
    bad = [
        b"no separator at all",
        b"SIGNAL.ACME \xc1\xc1 not msgpack",
        b"SIGNAL.ACME " + bytes(encoder.frame(b"X", "Signal", 0, [_signal("s")]))[2:7],
        bytes(encoder.frame(b"SIGNAL.ACME", "Signal", 0, [_signal("nan", float("nan"))])),
        bytes(
            encoder.frame(
                b"TICK.ACME", "Tick", 0, [Tick(ts_event_ns=1, instrument="ACME", bid=1.0, ask=2.0)]
            )
        ),
    ]
    try:
        for frame in bad:
            push.send(frame)
        push.send(bytes(encoder.frame(b"SIGNAL.ACME", "Signal", 1, [_signal("good-1")])))
        dead = [executor.expect("DEAD") for _ in bad]
        executor.expect("ORDER good-1")
        assert executor.proc.poll() is None
    finally:
        push.close()
        context.term()
        executor.stop()
    assert [line.split()[1] for line in dead] == ["1", "2", "3", "4", "5"]
    assert all(line.split()[2] == "DecodeError" for line in dead)
    assert _orders(tmp_path / "orders.db") == ["good-1"]


def test_drops_at_the_high_water_mark_are_counted_and_reported_as_a_gap() -> None:
    count = 200_000
    publisher = Child("burst", "tcp://127.0.0.1:*", str(count), "100")
    bus = EventBus()
    gaps: list[FeedGap] = []
    ticks: list[Tick] = []
    bus.subscribe(FeedGap, gaps.append)
    bus.subscribe(Tick, ticks.append)
    try:
        endpoint = publisher.expect("READY").split()[1]
        subscriber = MarketDataSubscriber(
            endpoint, bus.publish, dead_letters=bus.dead_letters, high_water_mark=100
        )
        pump = Pump([subscriber])
        sent_line = publisher.expect("SENT", timeout=60)  # we read nothing meanwhile
        sent, dropped = int(sent_line.split()[1]), int(sent_line.split()[3])
        while pump.once(0.5):  # take what the queues held, until nothing comes for 0.5 s
            pass
        publisher.send("final")
        publisher.expect("FINAL")
        deadline = time.monotonic() + _BOUND_S
        while (not ticks or ticks[-1].ts_event_ns != count + 1) and time.monotonic() < deadline:
            pump.once(0.2)
        subscriber.close()
    finally:
        publisher.stop()
    assert dropped > 0 and sent + dropped == count
    assert ticks[-1].ts_event_ns == count + 1  # the tick after the burst arrived
    assert gaps, "the drops were not reported"
    # every tick either arrived or is counted missing in a gap, none both
    assert len(ticks) + sum(gap.missing for gap in gaps) == count + 1
    assert sum(gap.missing for gap in gaps) >= dropped
    assert gaps[0].feed == "burst" and gaps[0].stream == "TICK.ACME"


def _pump_until(pump: Pump, done: object, what: str) -> None:
    deadline = time.monotonic() + _BOUND_S
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        pump.once(0.05)
    assert done(), f"timed out waiting for {what}"  # type: ignore[operator]


def test_unacknowledged_signals_are_sent_again_until_the_executor_takes_them_once(
    tmp_path: Path,
) -> None:
    bus = EventBus()
    sender = SignalSender(
        f"ipc://{tmp_path}/signals",
        f"ipc://{tmp_path}/acks",
        bus.publish,
        sender="strategy",
        dead_letters=bus.dead_letters,
        ack_timeout_ms=100,
        max_attempts=1_000,
    )
    pump = Pump([sender])
    for n in range(5):
        sender.publish(_signal(f"retry-{n}"))
    _pump_until(pump, lambda: sender.retried >= 5, "retries while no executor runs")
    executor = _executor(tmp_path)
    try:
        executor.expect("READY")
        _pump_until(pump, lambda: sender.acked == 5, "every signal acknowledged")
    finally:
        sender.close()
        executor.stop()
    assert sender.stats()["in_flight"] == 0 and sender.stats()["gave_up"] == 0
    assert sorted(_orders(tmp_path / "orders.db")) == [f"retry-{n}" for n in range(5)]


def test_exactly_once_effect_across_executor_kills(tmp_path: Path) -> None:
    total, kills_at = 300, (60, 160)
    bus = EventBus()
    sender = SignalSender(
        f"ipc://{tmp_path}/signals",
        f"ipc://{tmp_path}/acks",
        bus.publish,
        sender="strategy",
        dead_letters=bus.dead_letters,
        ack_timeout_ms=200,
        max_attempts=10_000,
    )
    pump = Pump([sender])
    executor = _executor(tmp_path)
    executor.expect("READY")
    kills = 0
    try:
        for n in range(total):
            sender.publish(_signal(f"once-{n}"))
            pump.once(0.001)
            if kills < len(kills_at) and n == kills_at[kills]:
                executor.expect("ORDER")  # it is taking signals when it dies
                executor.kill()
                kills += 1
                executor = _executor(tmp_path)
                executor.expect("READY")
        _pump_until(pump, lambda: sender.acked == total, "every signal acknowledged")
    finally:
        sender.close()
        executor.stop()
    orders = _orders(tmp_path / "orders.db")
    with sqlite3.connect(tmp_path / "processed.db") as db:
        in_doubt = {
            r[0] for r in db.execute("SELECT id FROM processed_events WHERE state = 'in-doubt'")
        }
    duplicates = [id_ for id_, n in Counter(orders).items() if n > 1]
    assert duplicates == []  # no signal ever placed two orders
    assert len(in_doubt) <= kills  # at most the one being processed at each kill
    assert set(orders) | in_doubt == {f"once-{n}" for n in range(total)}
    assert sender.stats()["gave_up"] == 0


def test_the_sender_gives_up_with_a_delivery_error_once_the_executor_is_gone(
    tmp_path: Path,
) -> None:
    bus = EventBus()
    errors: list[SignalDeliveryError] = []
    bus.subscribe(SignalDeliveryError, errors.append)
    executor = _executor(tmp_path)
    executor.expect("READY")  # bound first, so that the sender connects at once
    sender = SignalSender(
        f"ipc://{tmp_path}/signals",
        f"ipc://{tmp_path}/acks",
        bus.publish,
        sender="strategy",
        dead_letters=bus.dead_letters,
        ack_timeout_ms=300,
        max_attempts=3,
    )
    pump = Pump([sender])
    try:
        sender.publish(_signal("before"))
        _pump_until(pump, lambda: sender.acked == 1, "the first signal acknowledged")
        executor.kill()
        sender.publish(_signal("after"))
        _pump_until(pump, lambda: bool(errors), "the give-up")
    finally:
        sender.close()
        executor.stop()
    assert [(e.signal_id, e.attempts) for e in errors] == [("after", 3)]
    # 2 retries of "after" (and of "before" if its first ack went out before the ack
    # socket had joined)
    assert sender.stats()["retried"] >= 2 and sender.stats()["gave_up"] == 1
    assert _orders(tmp_path / "orders.db") == ["before"]
