"""The deflated Sharpe ratio against values worked out by hand from its formula."""

from __future__ import annotations

import math
import statistics

from tickwire.sweep import deflated_sharpe


def test_matches_the_formula() -> None:
    trials = [0.01, 0.02, 0.03, 0.05, 0.04]
    result = deflated_sharpe(0.05, trial_sharpes=trials, returns=1000, skewness=-0.2, kurtosis=4.0)
    normal = statistics.NormalDist()
    gamma = 0.5772156649015329
    sr0 = math.sqrt(statistics.variance(trials)) * (
        (1 - gamma) * normal.inv_cdf(1 - 1 / 5) + gamma * normal.inv_cdf(1 - 1 / (5 * math.e))
    )
    z = (0.05 - sr0) * math.sqrt(999) / math.sqrt(1 + 0.2 * 0.05 + 3 / 4 * 0.05**2)
    assert math.isclose(result.expected_max_sharpe, sr0)
    assert math.isclose(result.probability, normal.cdf(z))
    assert result.trials == 5


def test_more_trials_deflate_more() -> None:
    few = deflated_sharpe(0.05, trial_sharpes=[0.0, 0.05], returns=500, skewness=0, kurtosis=3)
    many = [0.05 * i / 99 for i in range(100)]
    lots = deflated_sharpe(0.05, trial_sharpes=many, returns=500, skewness=0, kurtosis=3)
    assert lots.expected_max_sharpe > few.expected_max_sharpe
    assert lots.probability < few.probability


def test_undefined_cases_are_nan() -> None:
    assert math.isnan(deflated_sharpe(0.1, trial_sharpes=[0.1], returns=10, skewness=0,
                                      kurtosis=3).probability)  # fmt: skip
    nan_sr = deflated_sharpe(math.nan, trial_sharpes=[0.1, 0.2], returns=10, skewness=0, kurtosis=3)
    assert math.isnan(nan_sr.probability)
