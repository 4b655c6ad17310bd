"""The deflated Sharpe ratio: how likely the best point's Sharpe ratio is real skill
rather than the luck of trying many points.

From Bailey and López de Prado, "The Deflated Sharpe Ratio" (2014). With ``N`` trials
whose per-bar Sharpe ratios have variance ``V``, the Sharpe ratio the best of them would
reach by luck alone is about::

    SR0 = sqrt(V) * ((1 - g) * Z^-1(1 - 1/N) + g * Z^-1(1 - 1/(N e)))

(``g`` the Euler-Mascheroni constant, ``Z`` the standard normal CDF), and the deflated
Sharpe ratio is the probability that the selected Sharpe ``SR`` beats it, given ``T``
returns with skewness ``s`` and kurtosis ``k``::

    DSR = Z((SR - SR0) * sqrt(T - 1) / sqrt(1 - s * SR + (k - 1) / 4 * SR^2))

Everything is per bar (not annualised), as in the paper.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DeflatedSharpe", "deflated_sharpe"]

_EULER_GAMMA = 0.5772156649015329
_NORMAL = statistics.NormalDist()


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    """The deflated Sharpe ratio of a selected point and what went into it."""

    probability: float
    """Probability that the selected Sharpe ratio beats what selection luck gives (0 to 1)."""
    sharpe: float
    """The selected point's per-bar Sharpe ratio."""
    expected_max_sharpe: float
    """SR0: the per-bar Sharpe ratio the best of ``trials`` would reach by luck alone."""
    trials: int


def deflated_sharpe(
    sharpe: float,
    *,
    trial_sharpes: Sequence[float],
    returns: int,
    skewness: float,
    kurtosis: float,
) -> DeflatedSharpe:
    """The deflated Sharpe ratio of ``sharpe`` (per bar) selected among ``trial_sharpes``.

    NaN when it is undefined: fewer than two finite trials, or fewer than two returns.
    """
    finite = [s for s in trial_sharpes if math.isfinite(s)]
    trials = len(finite)
    values = (sharpe, skewness, kurtosis)
    if trials < 2 or returns < 2 or not all(math.isfinite(v) for v in values):
        return DeflatedSharpe(math.nan, sharpe, math.nan, trials)
    spread = math.sqrt(statistics.variance(finite))
    expected_max = spread * (
        (1 - _EULER_GAMMA) * _NORMAL.inv_cdf(1 - 1 / trials)
        + _EULER_GAMMA * _NORMAL.inv_cdf(1 - 1 / (trials * math.e))
    )
    denominator = 1 - skewness * sharpe + (kurtosis - 1) / 4 * sharpe**2
    if denominator <= 0:
        return DeflatedSharpe(math.nan, sharpe, expected_max, trials)
    z = (sharpe - expected_max) * math.sqrt(returns - 1) / math.sqrt(denominator)
    return DeflatedSharpe(_NORMAL.cdf(z), sharpe, expected_max, trials)
