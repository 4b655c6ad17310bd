"""The equity curve's staged points: reads, lengths and edits see every point."""

from __future__ import annotations

from tickwire.portfolio.equity import STAGED_POINTS, EquityCurve


def test_points_across_the_staging_boundary_read_back_in_order() -> None:
    curve = EquityCurve()
    n = 2 * STAGED_POINTS + 3
    for i in range(n):
        curve.append(1_700_000_000_000_000_000 + i, float(i))
        assert len(curve) == i + 1
    assert list(curve.timestamps) == [1_700_000_000_000_000_000 + i for i in range(n)]
    assert list(curve.equity) == [float(i) for i in range(n)]
    assert curve.nbytes() == 16 * n


def test_set_last_edits_a_staged_point_and_a_moved_one() -> None:
    curve = EquityCurve()
    curve.append(1, 10.0)
    curve.set_last(11.0)  # still staged
    assert list(curve.equity) == [11.0]  # reading moves it into the array
    curve.set_last(12.0)
    curve.append(2, 20.0)
    assert list(curve.equity) == [12.0, 20.0]


def test_exposure_flags_count_staged_points() -> None:
    curve = EquityCurve()
    for ts in range(5):
        curve.append(ts, 1.0)
    curve.set_exposed(True, 2)
    assert list(curve.exposed()) == [0, 0, 1, 1, 1]
