"""Untrusted frames: whatever the bytes, decoding yields a checked message or a
DecodeError, never another exception and never an event that breaks the rules."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from tickwire.events import Bar, DecodeError, Signal, Tick, event_problem
from tickwire.transport import FrameEncoder, decode_frame


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
