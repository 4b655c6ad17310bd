"""SMA and EMA against plain reference computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.strategy.indicators import EMA, SMA

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def test_sma_matches_pandas_rolling_mean_including_warmup() -> None:
    xs = np.random.default_rng(1).normal(100.0, 5.0, 500)
    sma = SMA(20)
    got = [sma.update(float(x)) for x in xs]
    expected = pd.Series(xs).rolling(20, min_periods=1).mean().to_numpy()
    assert got == pytest.approx(expected, rel=1e-12)
    assert sma.value == got[-1]


@given(st.integers(1, 30), st.lists(finite, min_size=1, max_size=200))
def test_sma_is_mean_of_last_n(period: int, xs: list[float]) -> None:
    sma = SMA(period)
    for i, x in enumerate(xs):
        value = sma.update(x)
        window = xs[max(0, i + 1 - period) : i + 1]
        assert value == pytest.approx(math.fsum(window) / len(window), rel=1e-9, abs=1e-6)
        assert sma.ready == (i + 1 >= period)


def test_sma_does_not_drift_after_large_values_leave_the_window() -> None:
    sma = SMA(3)
    for x in [1e16, 1.0, -1e16]:
        sma.update(x)
    for x in [1.0, 2.0, 3.0]:
        sma.update(x)
    assert sma.value == 2.0


def test_ema_follows_the_exact_recurrence() -> None:
    xs = np.random.default_rng(2).normal(50.0, 3.0, 300).tolist()
    n = 10
    a = 2.0 / (n + 1)
    b = 1.0 - a
    e = xs[0]
    expected = []
    for x in xs:
        e = a * x + b * e
        expected.append(e)
    ema = EMA(n)
    got = [ema.update(x) for x in xs]
    # Bit for bit: a reference strategy compares trades one for one with backtrader.
    assert got == expected


def test_ema_matches_pandas_ewm() -> None:
    xs = np.random.default_rng(3).normal(50.0, 3.0, 300)
    ema = EMA(12)
    got = [ema.update(float(x)) for x in xs]
    expected = pd.Series(xs).ewm(span=12, adjust=False).mean().to_numpy()
    assert got == pytest.approx(expected, rel=1e-12)


def test_ema_ready_after_period_values() -> None:
    ema = EMA(3)
    flags = [(ema.update(1.0), ema.ready)[1] for _ in range(4)]
    assert flags == [False, False, True, True]


def test_ema_of_a_constant_is_that_constant() -> None:
    ema = EMA(5)
    for _ in range(50):
        ema.update(42.0)
    assert ema.value == pytest.approx(42.0, rel=1e-15)
