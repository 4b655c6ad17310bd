"""Untrusted frames: whatever the bytes, decoding yields a checked message or a
DecodeError, never another exception and never an event that breaks the rules; at each
receiving socket (SUB, PULL, the ack SUB, REP) every reject is dead-lettered."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.transport.fuzzing import SOCKETS, fuzz_socket, mutated
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
        if _decoded_or_refused(mutated(rng.choice(frames), rng)):
            accepted += 1
        else:
            refused += 1
    assert refused > 10_000 and accepted > 0  # both paths were exercised


@pytest.mark.parametrize("socket", SOCKETS)
def test_fuzzed_frames_at_each_socket_are_accounted_for_and_every_reject_dead_lettered(
    socket: str, tmp_path: Path
) -> None:
    """100,000 frames a socket, as the issue asks (about 30 s for the four);
    ``benchmarks/fuzz_transport.py`` prints the same run's figures."""
    run = fuzz_socket(socket, 100_000, tmp_path)
    assert run.errors == []
    assert run.last_valid_handled  # it went on to the end: no crash
    assert run.accepted + run.rejected == run.sent
    assert run.rejected > run.sent // 2  # random bytes are half of them, and never valid
    assert run.accepted >= 1
    assert run.dead_letters == run.rejected == run.error_events == run.raw_dead_letters
