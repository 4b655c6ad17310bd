"""Wilder's RSI against a straightforward reference loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.strategy.indicators import RSI


def reference_rsi(prices: list[float], n: int) -> list[float]:
    """RSI after each price once ready (index n onwards); NaN before."""
    out = [float("nan")] * len(prices)
    changes = np.diff(prices)
    gains = np.clip(changes, 0.0, None)
    losses = np.clip(-changes, 0.0, None)
    if len(changes) < n:
        return out
    avg_gain = gains[:n].mean()
    avg_loss = losses[:n].mean()
    for i in range(n, len(prices)):
        if i > n:
            avg_gain = (avg_gain * (n - 1) + gains[i - 1]) / n
            avg_loss = (avg_loss * (n - 1) + losses[i - 1]) / n
        if avg_loss == 0.0:
            out[i] = 100.0 if avg_gain > 0.0 else 50.0
        else:
            out[i] = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    return out


def test_rsi_matches_reference() -> None:
    prices = (100.0 + np.random.default_rng(4).normal(0.0, 1.0, 400).cumsum()).tolist()
    rsi = RSI(14)
    got = [rsi.update(p) for p in prices]
    expected = reference_rsi(prices, 14)
    assert got[14:] == pytest.approx(expected[14:], rel=1e-10)


def test_rsi_ready_after_period_plus_one_prices() -> None:
    rsi = RSI(3)
    flags = []
    for p in [1.0, 2.0, 3.0, 4.0, 5.0]:
        rsi.update(p)
        flags.append(rsi.ready)
    assert flags == [False, False, False, True, True]


def test_rsi_warmup_values() -> None:
    rsi = RSI(5)
    assert rsi.update(10.0) == 50.0
    assert rsi.update(11.0) == 100.0
    # One gain of 1 and one loss of 3 so far: RS = 1/3.
    assert rsi.update(8.0) == pytest.approx(25.0)


def test_rsi_extremes() -> None:
    up = RSI(3)
    down = RSI(3)
    for i in range(10):
        up.update(float(i))
        down.update(float(-i))
    assert up.value == 100.0
    assert down.value == 0.0


@given(st.lists(st.floats(1.0, 1000.0), min_size=2, max_size=100), st.integers(1, 20))
def test_rsi_is_bounded(prices: list[float], period: int) -> None:
    rsi = RSI(period)
    for p in prices:
        assert 0.0 <= rsi.update(p) <= 100.0
