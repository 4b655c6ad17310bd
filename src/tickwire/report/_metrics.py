"""Series derived from an equity curve and the fills: drawdown, calendar-month returns,
the buy-and-hold benchmark, positions and exposure."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "MonthlyReturns",
    "buy_and_hold",
    "drawdown_series",
    "monthly_returns",
    "position_at",
    "value_at",
]

_EPOCH_YEAR = 1970


def drawdown_series(equity: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The fall from the running peak at each point, as a fraction (0.0 at a peak, -0.25 = 25 %).

    The first value must be positive: every peak is then positive and the ratio is defined
    even when equity later goes to zero or below (drawdown -1.0 or beyond).
    """
    values = np.asarray(equity, dtype=np.float64)
    if values.size == 0:
        return np.empty(0, dtype=np.float64)
    if not values[0] > 0.0:
        raise ValueError(f"equity[0] must be positive to measure drawdown, got {values[0]!r}")
    peaks = np.maximum.accumulate(values)
    result: npt.NDArray[np.float64] = values / peaks - 1.0
    return result


@dataclass(frozen=True, eq=False)
class MonthlyReturns:
    """Returns per calendar month (UTC) and per year, compounded from month-end equity."""

    years: tuple[int, ...]
    """The calendar years covered, ascending; one row of :attr:`table` each."""
    table: npt.NDArray[np.float64]
    """Shape ``(len(years), 12)``: the return of each month as a fraction, NaN where the curve
    has no point in that month or the month starts from non-positive equity."""
    year_totals: npt.NDArray[np.float64]
    """Shape ``(len(years),)``: the return over each year (the product of its months)."""


def monthly_returns(ts_ns: npt.ArrayLike, equity: npt.ArrayLike) -> MonthlyReturns:
    """Calendar-month returns of an equity curve sampled at non-decreasing UTC timestamps.

    A month's return compares its last equity point with the previous month-end that has
    data (the very first point for the first month), so the months compound exactly into
    the year totals and into the whole-period return. A month with no points gets NaN and
    the change across the gap shows up in the next month that has data.
    """
    times = np.asarray(ts_ns, dtype=np.int64)
    values = np.asarray(equity, dtype=np.float64)
    if times.shape != values.shape or times.ndim != 1:
        raise ValueError(
            f"ts_ns and equity must be 1-D and the same length, got {times.shape} and "
            f"{values.shape}"
        )
    if values.size == 0:
        empty = np.empty((0, 12), dtype=np.float64)
        return MonthlyReturns(years=(), table=empty, year_totals=np.empty(0, dtype=np.float64))
    backwards = np.flatnonzero(times[1:] < times[:-1])
    if backwards.size:
        at = int(backwards[0]) + 1
        raise ValueError(f"ts_ns must be non-decreasing: ts_ns[{at}] is before ts_ns[{at - 1}]")
    month_keys = times.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    ends = np.append(np.flatnonzero(month_keys[1:] != month_keys[:-1]), values.size - 1)
    end_equity = values[ends]
    base_equity = np.concatenate(([values[0]], end_equity[:-1]))
    returns = _ratio_minus_one(end_equity, base_equity)

    keys = month_keys[ends]
    years_of = keys // 12 + _EPOCH_YEAR
    first_year = int(years_of[0])
    years = tuple(range(first_year, int(years_of[-1]) + 1))
    table = np.full((len(years), 12), np.nan)
    table[years_of - first_year, keys % 12] = returns

    # A year runs from the base of its first month with data to its last month-end.
    new_year = np.flatnonzero(np.diff(years_of, prepend=years_of[0] - 1) != 0)
    last_of_year = np.append(new_year[1:] - 1, keys.size - 1)
    year_totals = np.full(len(years), np.nan)
    year_totals[years_of[new_year] - first_year] = _ratio_minus_one(
        end_equity[last_of_year], base_equity[new_year]
    )
    return MonthlyReturns(years=years, table=table, year_totals=year_totals)


def _ratio_minus_one(
    end: npt.NDArray[np.float64], base: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    # A return from zero or negative equity is meaningless: NaN instead of inf or a sign flip.
    out = np.full(end.shape, np.nan)
    ok = base > 0.0
    out[ok] = end[ok] / base[ok] - 1.0
    return out


def value_at(
    ts_ns: npt.NDArray[np.int64], values: npt.NDArray[np.float64], at_ns: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """The latest of ``values`` at or before each of ``at_ns`` (the first value before it)."""
    index = np.searchsorted(ts_ns, at_ns, side="right") - 1
    np.maximum(index, 0, out=index)
    picked: npt.NDArray[np.float64] = values[index]
    return picked


def buy_and_hold(
    ts_ns: npt.NDArray[np.int64], close: npt.NDArray[np.float64], cash: float
) -> npt.NDArray[np.float64]:
    """The equity of ``cash`` put into the instrument at its first close and held."""
    result: npt.NDArray[np.float64] = cash * (close / close[0])
    return result


def position_at(
    fill_ts_ns: npt.NDArray[np.int64],
    signed_quantity: npt.NDArray[np.float64],
    at_ns: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """The net position after every fill up to and including each of ``at_ns``.

    ``fill_ts_ns`` sorted; ``signed_quantity`` positive for buys, negative for sells.
    """
    held = np.concatenate(([0.0], np.cumsum(signed_quantity)))
    result: npt.NDArray[np.float64] = held[np.searchsorted(fill_ts_ns, at_ns, side="right")]
    return result
