"""The report's input contract: what a backtest hands over, checked once at the boundary."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from tickwire import __version__
from tickwire.events import Fill
from tickwire.portfolio import RoundTrip
from tickwire.portfolio.statistics import Annualisation
from tickwire.strategy.plotting import PlotLine

__all__ = ["PriceSeries", "ReportInput", "RunSettings", "TimestampsLike", "ValuesLike"]

TimestampsLike = Sequence[int] | npt.NDArray[np.integer[Any]]
"""Nanoseconds since the epoch (UTC), non-decreasing: a list, ``array.array`` or numpy array."""
ValuesLike = Sequence[float] | npt.NDArray[np.floating[Any]] | npt.NDArray[np.integer[Any]]
"""Finite numbers, one per timestamp."""
PriceSeries = tuple[TimestampsLike, ValuesLike]
"""``(ts_ns, close)`` of one instrument."""


@dataclass(frozen=True, eq=False)
class _Series:
    """The validated numeric inputs as numpy arrays (no copy when the input already is one)."""

    equity_ts: npt.NDArray[np.int64]
    equity: npt.NDArray[np.float64]
    prices: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]


@dataclass(frozen=True)
class RunSettings:
    """How the run was set up, shown in the report's Settings table (None: not known)."""

    data: tuple[str, ...] = ()
    """The data files (or a description of the source), in the order read."""
    initial_cash: float | None = None
    commission: str = "none"
    """The commission model, as text (e.g. 'PercentCommission(percent=0.1)')."""
    slippage: str = "none"
    fill_rules: str = ""
    """The fill rules in force, in a line (order matching, limits, volume cap...)."""
    run_id: str | None = None
    """The id of the recorded run, when it was recorded."""
    wall_time_s: float | None = None
    """Wall time of the bar loop."""
    bars: int | None = None
    tickwire_version: str = __version__
    other: tuple[tuple[str, str], ...] = ()
    """Further settings as (name, text), shown after the others."""


@dataclass(frozen=True, eq=False)
class ReportInput:
    """Everything a backtest report shows; raises ValueError naming the bad field when built.

    ``eq=False`` because array fields have no single truth value to compare by.
    """

    title: str
    """Page heading, e.g. the strategy name and the data set."""
    equity_ts_ns: TimestampsLike
    """One timestamp per equity point (nanoseconds since the epoch, UTC, non-decreasing)."""
    equity: ValuesLike
    """Account equity at each timestamp; the first value must be positive."""
    prices: Mapping[str, PriceSeries]
    """Instrument -> ``(ts_ns, close)``; charted with the fills in that instrument."""
    fills: Sequence[Fill]
    """Every execution of the run, in any order."""
    statistics: Mapping[str, float | int | str]
    """Summary numbers from the engine, shown in the order given."""
    parameters: Mapping[str, object] = field(default_factory=dict)
    """Strategy and run parameters, shown in the order given."""
    trades: Sequence[RoundTrip] = ()
    """Closed round trips, listed in the trades table (and trades.csv) in the order given."""
    settings: RunSettings | None = None
    lines: Sequence[PlotLine] = ()
    """Series the strategy declared (:mod:`tickwire.strategy.plotting`), drawn on the
    price chart of their instrument (``instrument=None``: the benchmark instrument)."""
    benchmark: str | None = None
    """The instrument whose buy-and-hold curve is drawn beside the equity (default: the
    priced instrument with the most fills); '' for none."""
    annualisation: Annualisation | None = None
    """How the ratios were annualised, stated under the statistics."""
    _series: _Series = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_series", _validate(self))


def _validate(data: ReportInput) -> _Series:
    if not isinstance(data.title, str):
        raise ValueError(f"ReportInput.title: expected str, got {type(data.title).__name__}")
    equity_ts = _timestamps(data.equity_ts_ns, "ReportInput.equity_ts_ns")
    equity = _values(data.equity, "ReportInput.equity", len(equity_ts))
    if equity.size == 0:
        raise ValueError("ReportInput.equity: needs at least one point")
    if not equity[0] > 0.0:
        raise ValueError(f"ReportInput.equity[0]: must be positive, got {equity[0]!r}")
    prices: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
    for instrument, series in data.prices.items():
        where = f"ReportInput.prices[{instrument!r}]"
        if not isinstance(instrument, str) or not instrument:
            raise ValueError(f"{where}: instrument must be a non-empty str")
        if not isinstance(series, tuple) or len(series) != 2:
            raise ValueError(f"{where}: expected a (ts_ns, close) tuple")
        ts = _timestamps(series[0], f"{where}[0] (ts_ns)")
        close = _values(series[1], f"{where}[1] (close)", len(ts))
        if close.size == 0:
            raise ValueError(f"{where}: needs at least one price")
        prices[instrument] = (ts, close)
    for index, fill in enumerate(data.fills):
        where = f"ReportInput.fills[{index}]"
        if not isinstance(fill, Fill):
            raise ValueError(f"{where}: expected a tickwire.events.Fill, got {type(fill).__name__}")
        if not (math.isfinite(fill.price) and math.isfinite(fill.quantity)):
            raise ValueError(f"{where}: price and quantity must be finite, got {fill!r}")
    for name, value in data.statistics.items():
        if not isinstance(name, str) or not isinstance(value, int | float | str):
            raise ValueError(
                f"ReportInput.statistics[{name!r}]: expected a str key and an int, float or "
                f"str value, got {type(value).__name__}"
            )
    for name in data.parameters:
        if not isinstance(name, str):
            raise ValueError(f"ReportInput.parameters: keys must be str, got {name!r}")
    for index, trip in enumerate(data.trades):
        if not isinstance(trip, RoundTrip):
            raise ValueError(
                f"ReportInput.trades[{index}]: expected a tickwire.portfolio.RoundTrip, "
                f"got {type(trip).__name__}"
            )
    if data.settings is not None and not isinstance(data.settings, RunSettings):
        raise ValueError(
            f"ReportInput.settings: expected RunSettings, got {type(data.settings).__name__}"
        )
    for index, line in enumerate(data.lines):
        where = f"ReportInput.lines[{index}]"
        if not isinstance(line, PlotLine):
            raise ValueError(f"{where}: expected a PlotLine, got {type(line).__name__}")
        times = _timestamps(line.ts_ns, f"{where}.ts_ns ({line.name!r})")
        if np.asarray(line.values).shape != times.shape:
            raise ValueError(f"{where}.values ({line.name!r}): expected {times.size} values")
    if data.benchmark and data.benchmark not in prices:
        raise ValueError(f"ReportInput.benchmark: no price series for {data.benchmark!r}")
    return _Series(equity_ts=equity_ts, equity=equity, prices=prices)


def _timestamps(values: object, where: str) -> npt.NDArray[np.int64]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{where}: expected a 1-D sequence, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{where}: expected integer nanoseconds, got dtype {array.dtype}")
    times = array.astype(np.int64, copy=False)
    backwards = np.flatnonzero(times[1:] < times[:-1])
    if backwards.size:
        at = int(backwards[0]) + 1
        raise ValueError(f"{where}[{at}]: timestamps must be non-decreasing")
    return times


def _values(values: object, where: str, length: int) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: expected numbers ({exc})") from None
    if array.shape != (length,):
        raise ValueError(
            f"{where}: expected {length} values to match the timestamps, got {array.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        at = int(bad[0])
        raise ValueError(f"{where}[{at}]: must be finite, got {array[at]!r}")
    return array
