"""The equity curve and its point storage (C, and the Python twin of pure builds)."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from tickwire.portfolio import RoundTripBuilder
from tickwire.portfolio.equity import EquityCurve


def _implementations() -> list[ModuleType | None]:
    try:
        compiled: ModuleType | None = importlib.import_module("tickwire.portfolio._points")
    except ImportError:
        compiled = None  # a pure build: the C module is not there
    return [compiled, importlib.import_module("tickwire.portfolio._points_py")]


@pytest.fixture(params=_implementations(), ids=["c", "python"])
def points_module(request: pytest.FixtureRequest) -> ModuleType:
    if request.param is None:
        pytest.skip("tickwire.portfolio._points is not built (TICKWIRE_PURE_PYTHON)")
    module: ModuleType = request.param
    return module


BASE = 1_700_000_000_000_000_000


def test_points_keep_every_point_in_order_as_they_grow(points_module: ModuleType) -> None:
    points = points_module.Points()
    n = 5_000  # past several capacity doublings
    for i in range(n):
        points.append(BASE + i, float(i))
        assert len(points) == i + 1
    times, values = points.times(), points.values()
    assert (times.typecode, values.typecode) == ("q", "d")
    assert list(times) == [BASE + i for i in range(n)]
    assert list(values) == [float(i) for i in range(n)]
    times[0] = 0  # a copy: the points are unchanged
    assert points.times()[0] == BASE
    assert list(points_module.Points().times()) == []


def test_points_lend_their_columns_without_a_copy(points_module: ModuleType) -> None:
    points = points_module.Points()
    for i in range(3):
        points.append(BASE + i, float(i))
    times, values = points.times_view(), points.values_view()
    assert (times.format, values.format, times.readonly) == ("q", "d", True)
    assert (times.tolist(), values.tolist()) == ([BASE, BASE + 1, BASE + 2], [0.0, 1.0, 2.0])
    points.set_last(9.0)  # a view, not a copy: an edit shows through
    assert values[2] == 9.0
    with pytest.raises(TypeError):
        values[0] = 1.0  # read-only
    assert list(points_module.Points().times_view()) == []


@pytest.mark.parametrize("column", ["times_view", "values_view"])
def test_points_cannot_grow_while_a_view_is_held(points_module: ModuleType, column: str) -> None:
    points = points_module.Points()
    view = getattr(points, column)()
    with pytest.raises(BufferError):
        for i in range(5_000):  # past the first capacity: the columns would move
            points.append(BASE + i, float(i))
    del view
    grown = len(points)
    assert len(points.times_view()) == len(points.values_view()) == grown  # still in step
    for i in range(grown, 5_000):
        points.append(BASE + i, float(i))
    assert len(points) == 5_000
    assert points.times_view().tolist() == [BASE + i for i in range(5_000)]


def test_points_refuse_a_time_not_later_than_the_last(points_module: ModuleType) -> None:
    points = points_module.Points()
    points.append(10, 1.0)
    with pytest.raises(ValueError, match="not later"):
        points.append(10, 2.0)
    with pytest.raises(ValueError, match="not later"):
        points.append(9, 2.0)
    assert len(points) == 1


def test_points_refuse_values_that_are_not_numbers(points_module: ModuleType) -> None:
    points = points_module.Points()
    with pytest.raises(TypeError):
        points.append("10", 1.0)
    with pytest.raises(TypeError):
        points.append(10, "1.0")
    with pytest.raises(OverflowError):
        points.append(2**63, 1.0)
    assert len(points) == 0
    with pytest.raises(IndexError):
        points.set_last(1.0)


def test_count_before_matches_a_bisection(points_module: ModuleType) -> None:
    points = points_module.Points()
    times = [-5, 0, 3, 4, 10, 2**62]
    for t in times:
        points.append(t, 0.0)
    for probe in [-6, -5, -4, 0, 1, 3, 4, 5, 10, 11, 2**62, 2**62 + 1]:
        expected = sum(t < probe for t in times)
        assert points.count_before(probe) == expected
        # Any start at or below the answer gives the same answer.
        assert points.count_before(probe, expected) == expected
        assert points.count_before(probe, 0) == expected
    with pytest.raises(IndexError):
        points.count_before(0, len(times) + 1)
    assert points_module.Points().count_before(7) == 0


def test_curve_reads_every_point_and_its_latest_edit() -> None:
    curve = EquityCurve()
    curve.append(1, 10.0)
    curve.set_last(11.0)
    assert list(curve.equity) == [11.0]
    curve.set_last(12.0)  # after a read: the copy is made again
    assert list(curve.equity) == [12.0]
    curve.append(2, 20.0)
    assert list(curve.timestamps) == [1, 2]
    assert list(curve.equity) == [12.0, 20.0]
    assert curve.count_before(2) == 1
    assert curve.nbytes() == 32


def test_exposure_flags_cover_every_point() -> None:
    curve = EquityCurve()
    for ts in range(5):
        curve.append(ts, 1.0)
    curve.set_exposed(True, 2)
    assert list(curve.exposed()) == [0, 0, 1, 1, 1]


def test_trade_builder_counts_bars_through_a_curve_and_names_anything_else() -> None:
    curve = EquityCurve()
    for ts in range(1, 6):
        curve.append(ts, 1.0)
    builder = RoundTripBuilder(curve)
    builder.on_fill("X", 1, 1.0, 10.0, 0.0, 2, closed=0.0, realized=0.0, new_quantity=1.0)
    trade = builder.on_fill("X", -1, 1.0, 11.0, 0.0, 5, closed=1.0, realized=1.0, new_quantity=0.0)
    assert trade is not None and trade.bars == 3  # times 2, 3 and 4
    with pytest.raises(TypeError, match="RoundTripBuilder: bars must count bars"):
        RoundTripBuilder([1, 2, 3])  # type: ignore[arg-type]


def test_curve_views_read_what_the_copies_hold() -> None:
    curve = EquityCurve()
    for i in range(3):
        curve.append(BASE + i, 100.0 + i)
    curve.set_last(7.0)
    assert curve.timestamps_view().tolist() == list(curve.timestamps)
    assert curve.equity_view().tolist() == list(curve.equity) == [100.0, 101.0, 7.0]
