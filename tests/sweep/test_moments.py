"""The return moments the deflated Sharpe ratio is built from."""

from __future__ import annotations

import math

import numpy as np

from tickwire.sweep._task import return_moments


def test_moments_match_their_definitions() -> None:
    rng = np.random.default_rng(3)
    equity = 100.0 * np.cumprod(1.0 + rng.standard_t(5, 2_000) * 0.01)
    returns = equity[1:] / equity[:-1] - 1.0
    centred = returns - returns.mean()
    moments = return_moments(equity)
    assert moments.count == returns.size
    assert math.isclose(moments.sharpe, returns.mean() / returns.std(ddof=1))
    assert math.isclose(moments.skewness, np.mean(centred**3) / np.mean(centred**2) ** 1.5)
    assert math.isclose(moments.kurtosis, np.mean(centred**4) / np.mean(centred**2) ** 2)


def test_a_flat_or_short_curve_has_no_moments() -> None:
    assert math.isnan(return_moments(np.full(10, 100.0)).sharpe)
    assert math.isnan(return_moments(np.array([100.0, 101.0])).kurtosis)
