"""Rolling high/low against the brute-force window maximum/minimum."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tickwire.strategy.indicators import RollingHigh, RollingLow


@given(st.lists(st.integers(-50, 50).map(float), min_size=1, max_size=200), st.integers(1, 25))
def test_rolling_high_low_equal_window_extremes(xs: list[float], period: int) -> None:
    hi = RollingHigh(period)
    lo = RollingLow(period)
    for i, x in enumerate(xs):
        window = xs[max(0, i + 1 - period) : i + 1]
        assert hi.update(x) == max(window)
        assert lo.update(x) == min(window)
        assert hi.ready == lo.ready == (i + 1 >= period)


def test_rolling_high_matches_pandas() -> None:
    xs = np.random.default_rng(7).normal(0.0, 1.0, 1000)
    hi = RollingHigh(30)
    got = [hi.update(float(x)) for x in xs]
    assert got == pd.Series(xs).rolling(30, min_periods=1).max().tolist()
    assert hi.value == got[-1]
