"""ATR and Bollinger bands against pandas/numpy references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.strategy.indicators import ATR, BollingerBands


def ohlc(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 + rng.normal(0.0, 1.0, n).cumsum()
    high = close + rng.uniform(0.0, 2.0, n)
    low = close - rng.uniform(0.0, 2.0, n)
    return high, low, close


def test_atr_matches_reference() -> None:
    high, low, close = ohlc(5, 300)
    prev = pd.Series(close).shift(1)
    tr = pd.concat(
        [pd.Series(high - low), (pd.Series(high) - prev).abs(), (pd.Series(low) - prev).abs()],
        axis=1,
    ).max(axis=1)
    tr.iloc[0] = high[0] - low[0]
    n = 14
    expected = list(tr.expanding().mean().to_numpy()[:n])
    for value in tr.to_numpy()[n:]:
        expected.append((expected[-1] * (n - 1) + value) / n)
    atr = ATR(n)
    got = [atr.update(h, lo, c) for h, lo, c in zip(high, low, close, strict=True)]
    assert got == pytest.approx(expected, rel=1e-12)


def test_atr_uses_gap_from_previous_close() -> None:
    atr = ATR(2)
    atr.update(11.0, 9.0, 10.0)
    assert not atr.ready
    # Gap up: high - low is 1, but the range from the previous close is 21 - 10.
    assert atr.update(21.0, 20.0, 20.5) == pytest.approx((2.0 + 11.0) / 2)
    assert atr.ready


def test_bollinger_matches_pandas() -> None:
    xs = 10_000.0 + np.random.default_rng(6).normal(0.0, 0.01, 1000)
    bb = BollingerBands(20, 2.5)
    mids, ups, lows = [], [], []
    for x in xs:
        mids.append(bb.update(float(x)))
        ups.append(bb.upper)
        lows.append(bb.lower)
    roll = pd.Series(xs).rolling(20)
    mean = roll.mean().to_numpy()
    std = roll.std(ddof=0).to_numpy()
    assert mids[19:] == pytest.approx(mean[19:], rel=1e-13)
    # Prices near 10 000 with a spread of 0.01: sums of squares would lose the digits.
    assert ups[19:] == pytest.approx((mean + 2.5 * std)[19:], rel=1e-12)
    assert lows[19:] == pytest.approx((mean - 2.5 * std)[19:], rel=1e-12)
    assert bb.std == pytest.approx(std[-1], rel=1e-8)


@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=120), st.integers(1, 15))
def test_bollinger_bands_cover_the_partial_window(xs: list[float], period: int) -> None:
    bb = BollingerBands(period, 2.0)
    for i, x in enumerate(xs):
        bb.update(x)
        window = np.array(xs[max(0, i + 1 - period) : i + 1])
        assert bb.middle == pytest.approx(window.mean(), rel=1e-9, abs=1e-6)
        assert bb.std == pytest.approx(window.std(), rel=1e-6, abs=1e-5)
        assert bb.lower <= bb.middle <= bb.upper
        assert bb.ready == (i + 1 >= period)


def test_bollinger_width_is_exact_after_a_large_value_leaves_the_window() -> None:
    # Sliding the sum of squares would leave ~4e-9 of 5462's rounding behind (std 3.5e-5).
    bb = BollingerBands(3)
    for x in [1.0, 5462.0, 0.0, 0.0, 0.0]:
        bb.update(x)
    assert (bb.middle, bb.std, bb.upper, bb.lower) == (0.0, 0.0, 0.0, 0.0)


def test_bollinger_of_a_constant_has_zero_width() -> None:
    bb = BollingerBands(4)
    for _ in range(10):
        bb.update(0.1)
    assert bb.upper == bb.lower == bb.middle == pytest.approx(0.1)
    assert bb.std == 0.0
