"""Chunks to events: every field carried over, one creation time per chunk."""

from __future__ import annotations

import numpy as np

from tickwire.data import BarChunk, TickChunk, bars_from_chunks, ticks_from_chunks
from tickwire.events import Bar, Tick


def _names(*names: str) -> np.ndarray:
    out = np.empty(len(names), dtype=object)
    out[:] = names
    return out


def test_bars_from_chunks_copies_every_field() -> None:
    chunk = BarChunk(
        np.array([5, 6], dtype=np.int64),
        np.array([1.0, 2.0]),
        np.array([3.0, 4.0]),
        np.array([0.5, 1.5]),
        np.array([2.0, 3.0]),
        np.array([10.0, 20.0]),
        _names("A", "B"),
    )
    bars = list(bars_from_chunks([chunk], interval="5m"))
    assert bars[0] == Bar(
        ts_event_ns=5,
        ts_created_ns=bars[0].ts_created_ns,
        instrument="A",
        open=1.0,
        high=3.0,
        low=0.5,
        close=2.0,
        volume=10.0,
        interval="5m",
    )
    assert (bars[1].ts_event_ns, bars[1].instrument, bars[1].volume) == (6, "B", 20.0)
    assert bars[0].ts_created_ns == bars[1].ts_created_ns > 0
    assert type(bars[0].open) is float and type(bars[0].ts_event_ns) is int


def test_ticks_from_chunks_copies_every_field() -> None:
    chunk = TickChunk(
        np.array([7], dtype=np.int64),
        np.array([1.0]),
        np.array([1.5]),
        np.array([3.0]),
        np.array([4.0]),
        _names("EURUSD"),
    )
    (tick,) = ticks_from_chunks([chunk])
    assert tick == Tick(
        ts_event_ns=7,
        ts_created_ns=tick.ts_created_ns,
        instrument="EURUSD",
        bid=1.0,
        ask=1.5,
        bid_size=3.0,
        ask_size=4.0,
    )
