"""Untrusted frames: whatever the bytes, decoding yields a checked message or a
DecodeError, never another exception and never an event that breaks the rules."""

from __future__ import annotations

import random
import time
from pathlib import Path

import zmq
from hypothesis import given
from hypothesis import strategies as st

from tickwire.bus import EventBus
from tickwire.events import Bar, DecodeError, EventBase, Signal, Tick, event_problem
from tickwire.transport import (
    FrameEncoder,
    MemoryProcessedStore,
    Pump,
    SignalReceiver,
    decode_frame,
)


def _valid_frames() -> list[bytes]:
    encoder = FrameEncoder("fuzz")
    ticks = [Tick(ts_event_ns=i + 1, instrument="ACME", bid=1.0, ask=1.5) for i in range(3)]
    bar = Bar(ts_event_ns=1, instrument="ACME", open=1, high=2, low=0.5, close=1.5)
    signal = Signal(ts_event_ns=1, instrument="ACME", side=Signal.SELL, trigger_price=1.0)
    return [
        bytes(encoder.frame(b"TICK.ACME", "Tick", 0, ticks)),
        bytes(encoder.frame(b"BAR.ACME", "Bar", 9, [bar])),
        bytes(encoder.frame(b"SIGNAL.ACME", "Signal", 3, [signal])),
    ]


def _decoded_or_refused(frame: bytes) -> bool:
    try:
        message = decode_frame(frame)
    except DecodeError:
        return False
    for event in message.events:
        assert event_problem(event) is None, (frame, event)
    return True


@given(st.binary(max_size=300))
def test_random_bytes_are_refused_with_a_decode_error(frame: bytes) -> None:
    _decoded_or_refused(frame)


def test_mutated_valid_frames_decode_checked_or_are_refused() -> None:
    rng = random.Random(15)
    frames = _valid_frames()
    accepted = refused = 0
    for _ in range(20_000):
        frame = bytearray(rng.choice(frames))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(frame))
            action = rng.random()
            if action < 0.6:
                frame[position] = rng.randrange(256)
            elif action < 0.8:
                del frame[position]
            else:
                frame.insert(position, rng.randrange(256))
        if _decoded_or_refused(bytes(frame)):
            accepted += 1
        else:
            refused += 1
    assert refused > 10_000 and accepted > 0  # both paths were exercised


def _mutated(rng: random.Random, frames: list[bytes]) -> bytes:
    frame = bytearray(rng.choice(frames))
    for _ in range(rng.randint(1, 3)):
        frame[rng.randrange(len(frame))] = rng.randrange(256)
    return bytes(frame)


def test_fuzzed_frames_at_the_executor_socket_are_all_dead_lettered_and_it_goes_on(
    tmp_path: Path,
) -> None:
    bus = EventBus(dead_letter_capacity=100_000)
    delivered: list[EventBase] = []
    bus.subscribe(Signal, delivered.append)
    receiver = SignalReceiver(
        f"ipc://{tmp_path}/signals",
        f"ipc://{tmp_path}/acks",
        bus.publish,
        store=MemoryProcessedStore(),
        dead_letters=bus.dead_letters,
    )
    push = zmq.Context.instance().socket(zmq.PUSH)
    push.connect(f"ipc://{tmp_path}/signals")
    rng = random.Random(1)
    frames = _valid_frames()
    sent = 5_000
    for n in range(sent):
        push.send(_mutated(rng, frames) if n % 2 else rng.randbytes(rng.randint(0, 200)))
    last = Signal(ts_event_ns=1, instrument="ACME", side=Signal.BUY, trigger_price=1.0, id="last")
    push.send(bytes(FrameEncoder("fuzz").frame(b"SIGNAL.ACME", "Signal", 99, [last])))
    pump = Pump([receiver])
    deadline = time.monotonic() + 30
    while last not in delivered and time.monotonic() < deadline:
        pump.once(0.05)
    push.close()
    receiver.close()
    stats = receiver.stats()
    assert last in delivered
    assert stats["rejected_frames"] == len(bus.dead_letters)
    assert stats["rejected_frames"] + stats["delivered"] + stats["duplicates"] == sent + 1
    assert all(isinstance(letter.event, bytes) for letter in bus.dead_letters)
