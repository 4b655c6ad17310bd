"""Support/resistance: pivots against a brute-force definition, level queries."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickwire.strategy.indicators import SupportResistance


def brute_pivots(highs: list[float], lows: list[float], w: int) -> list[float]:
    """Pivot prices in confirmation order (a bar's high before its low)."""
    out: list[float] = []
    for c in range(w, len(highs) - w):
        before_h, after_h = highs[c - w : c], highs[c + 1 : c + w + 1]
        if all(highs[c] > h for h in before_h) and all(highs[c] >= h for h in after_h):
            out.append(highs[c])
        before_l, after_l = lows[c - w : c], lows[c + 1 : c + w + 1]
        if all(lows[c] < v for v in before_l) and all(lows[c] <= v for v in after_l):
            out.append(lows[c])
    return out


bars = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 5)).map(
        lambda t: (float(t[0] + t[1]), float(t[0]))
    ),
    min_size=1,
    max_size=80,
)


@given(bars, st.integers(1, 4))
def test_pivots_match_brute_force(data: list[tuple[float, float]], width: int) -> None:
    highs = [h for h, _ in data]
    lows = [lo for _, lo in data]
    sr = SupportResistance(width=width, tolerance=0.0, max_levels=10_000)
    for h, lo in data:
        sr.update(h, lo)
    pivots = brute_pivots(highs, lows, width)
    # With zero tolerance only equal prices merge, so each distinct pivot price is a level.
    assert {lv.price: lv.touches for lv in sr.levels} == dict(Counter(pivots))
    assert sr.ready == bool(pivots)
    if pivots:
        assert sr.value == pivots[-1]
    else:
        assert math.isnan(sr.value)


@given(bars, st.floats(-5.0, 30.0))
def test_support_and_resistance_are_nearest_levels(
    data: list[tuple[float, float]], price: float
) -> None:
    sr = SupportResistance(width=1, tolerance=0.0)
    for h, lo in data:
        sr.update(h, lo)
    below = [lv.price for lv in sr.levels if lv.price < price]
    above = [lv.price for lv in sr.levels if lv.price > price]
    assert sr.support(price) == (max(below) if below else None)
    assert sr.resistance(price) == (min(above) if above else None)


def test_touches_within_tolerance_merge_and_count() -> None:
    sr = SupportResistance(width=1, tolerance=0.01)
    # Highs peak at 100, then 100.5 (within 1%): one resistance level touched twice.
    for high in [98.0, 100.0, 98.0, 100.5, 97.0]:
        sr.update(high, high - 5.0)
    levels = [lv for lv in sr.levels if lv.price > 96.0]
    assert len(levels) == 1
    assert levels[0].touches == 2
    assert levels[0].price == pytest.approx(100.25)
    assert sr.resistance(99.0) == pytest.approx(100.25)
    assert sr.resistance(99.0, min_touches=3) is None


def test_oldest_level_is_dropped_beyond_max_levels() -> None:
    sr = SupportResistance(width=1, tolerance=0.0, max_levels=2)
    for high in [1.0, 10.0, 1.0, 20.0, 1.0, 30.0, 1.0]:
        sr.update(high, 0.0)
    assert sorted(lv.price for lv in sr.levels) == [20.0, 30.0]


def test_broken_resistance_becomes_support() -> None:
    sr = SupportResistance(width=1, tolerance=0.0)
    for high in [8.0, 10.0, 8.0]:
        sr.update(high, 0.0)
    assert sr.resistance(9.0) == 10.0
    assert sr.support(11.0) == 10.0
