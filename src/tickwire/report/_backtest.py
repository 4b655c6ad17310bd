"""The report of a finished :class:`~tickwire.backtest.Backtest`: its input, built from the
run's result, its settings (kept on the ``Backtest``) and its data source."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tickwire.backtest import Backtest, BacktestResult
from tickwire.events import Bar
from tickwire.portfolio.statistics import Annualisation, session_periods_per_year
from tickwire.report._input import ReportInput, RunSettings
from tickwire.report._writer import MAX_PRICE_CHARTS, write_report
from tickwire.strategy.plotting import plots_of

__all__ = ["backtest_report", "backtest_report_input"]

_FILL_RULES = (
    "pessimistic bar fills: an order fills from the bar after it was sent; market at the "
    "open, limits and stops at the open or their price; both bracket legs on one bar: "
    "the stop-loss; limit fills clamped to the limit after slippage (docs/fill_rules.md)"
)


def backtest_report(
    engine: Backtest,
    result: BacktestResult,
    directory: str | os.PathLike[str],
    *,
    source: Any = None,
    run_id: str | None = None,
    max_instruments: int = MAX_PRICE_CHARTS,
) -> Path:
    """Write the report of ``engine``'s run (``result``) into ``directory``; the HTML path."""
    data = backtest_report_input(engine, result, source=source, run_id=run_id)
    return write_report(data, directory, max_instruments=max_instruments)


def backtest_report_input(
    engine: Backtest, result: BacktestResult, *, source: Any = None, run_id: str | None = None
) -> ReportInput:
    """Everything the report shows about one run.

    Closes are read again from ``source`` (default: ``engine.data``): a file source
    (anything with ``chunks()``) or a list of bars, so the backtest loop never keeps
    them; a one-shot iterator cannot be read twice and gives no price chart.
    """
    source = engine.data if source is None else source
    prices = _closes(source)
    curve = result.portfolio.curve
    equity_ts = np.frombuffer(curve.timestamps, dtype=np.int64)
    equity = np.frombuffer(curve.equity, dtype=np.float64)
    if equity.size:
        # The initial cash at the first bar's time, as the statistics count it.
        equity_ts = np.concatenate((equity_ts[:1], equity_ts))
        equity = np.concatenate(([result.initial_cash], equity))
    stats = result.statistics
    statistics = {
        key: value for key, value in stats.to_dict().items() if isinstance(value, int | float | str)
    }
    return ReportInput(
        title=f"{result.strategy} backtest",
        equity_ts_ns=equity_ts,
        equity=equity,
        prices=prices,
        fills=result.fills,
        statistics=statistics,
        parameters=result.parameters,
        trades=result.trades,
        settings=_settings(engine, result, source, run_id),
        lines=plots_of(engine.strategy),
        annualisation=_annualisation(stats.annualisation, stats.periods_per_year, curve.timestamps),
    )


def _annualisation(basis: str, periods: float, timestamps: Any) -> Annualisation:
    if basis == "sessions":
        return session_periods_per_year(np.frombuffer(timestamps, dtype=np.int64))
    return Annualisation(periods, basis)


def _settings(
    engine: Backtest, result: BacktestResult, source: Any, run_id: str | None
) -> RunSettings:
    broker: Mapping[str, Any] = engine.broker_options
    rules = _FILL_RULES
    cap = broker.get("volume_cap")
    rules += f"; volume cap {cap:.0%} of each bar's volume" if cap else "; no volume cap"
    if broker.get("allow_short") is False:
        rules += "; no short selling"
    other = tuple(
        (name.replace("_", " "), str(value))
        for name, value in broker.items()
        if name not in ("commission", "slippage", "volume_cap", "allow_short")
    )
    other += tuple((f"risk {name}", str(value)) for name, value in engine.risk_options.items())
    if engine.sizer is not None:
        other += (("sizer", _describe(engine.sizer)),)
    if engine.mode != "sync":
        other += (("mode", engine.mode),)
    return RunSettings(
        data=_data_names(source),
        initial_cash=result.initial_cash,
        commission=_describe(broker.get("commission")),
        slippage=_describe(broker.get("slippage")),
        fill_rules=rules,
        run_id=run_id,
        wall_time_s=result.wall_time_s,
        bars=result.bars,
        other=other,
    )


def _describe(model: object) -> str:
    """A cost model as ``Name(field=value, ...)`` from its slots (or its repr)."""
    if model is None:
        return "none"
    slots = getattr(type(model), "__slots__", ())
    fields = [name for name in slots if not name.startswith("_") and hasattr(model, name)]
    if not fields:
        return repr(model)
    values = ", ".join(f"{name}={getattr(model, name)!r}" for name in fields)
    return f"{type(model).__name__}({values})"


def _data_names(source: Any) -> tuple[str, ...]:
    paths = getattr(source, "paths", None)
    if paths is not None:
        return tuple(str(path) for path in paths)
    if isinstance(source, str | Path):
        return (str(source),)
    if isinstance(source, list | tuple) and source and isinstance(source[0], str | Path):
        return tuple(str(path) for path in source)
    return (f"in-memory bars ({type(source).__name__})",)


def _closes(source: Any) -> dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    ts_parts: dict[str, list[Any]] = defaultdict(list)
    close_parts: dict[str, list[Any]] = defaultdict(list)
    if isinstance(source, str | Path) or (
        isinstance(source, list | tuple) and source and isinstance(source[0], str | Path)
    ):
        from tickwire.data import read_bars

        source = read_bars(source if isinstance(source, list | tuple) else [source])
    if hasattr(source, "chunks"):
        for chunk in source.chunks():
            for name in np.unique(chunk.instrument):
                rows = chunk.instrument == name
                ts_parts[str(name)].append(chunk.ts[rows])
                close_parts[str(name)].append(chunk.close[rows])
    elif isinstance(source, Iterable) and iter(source) is not source:
        return _closes_of_bars(source)  # re-iterable bars (a list, synthetic bars)
    return {
        name: (np.concatenate(ts_parts[name]), np.concatenate(close_parts[name]))
        for name in ts_parts
    }


def _closes_of_bars(
    bars: Iterable[Any],
) -> dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    times: dict[str, list[int]] = defaultdict(list)
    closes: dict[str, list[float]] = defaultdict(list)
    for bar in bars:
        if isinstance(bar, Bar):
            times[bar.instrument].append(bar.ts_event_ns)
            closes[bar.instrument].append(bar.close)
    return {
        name: (np.asarray(times[name], dtype=np.int64), np.asarray(closes[name], dtype=np.float64))
        for name in times
    }
