"""Write a backtest report: ``report.html`` plus the charts as PNG and the tables as CSV."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tickwire.events import Fill, Side
from tickwire.persistence import write_fills
from tickwire.report._charts import Markers, drawdown_png, equity_png, price_png
from tickwire.report._format import format_date, format_percent, format_value, tone
from tickwire.report._html import Page, render_page
from tickwire.report._input import ReportInput, RunSettings
from tickwire.report._metrics import (
    buy_and_hold,
    drawdown_series,
    monthly_returns,
    position_at,
    value_at,
)
from tickwire.report._plotly import BUCKETS, Figure, figure_html, plotly_bundle, trace
from tickwire.report._statistics import format_duration, format_statistic, readable_statistics
from tickwire.report._tables import (
    FILLS_CSV,
    TRADES_CSV,
    fills_table,
    trades_table,
    write_trades_csv,
)
from tickwire.strategy.plotting import PlotLine

__all__ = ["MAX_PRICE_CHARTS", "write_report"]

MAX_PRICE_CHARTS = 4
"""Instruments charted by default; the ones with the most fills are chosen."""

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_EQUITY = "#2f5d8a"
_BENCHMARK = "#9aa5b1"
_LOSS = "#c0392b"
_INK = "#1f2933"
_BUY = "#1e9e50"
_SELL = "#d64541"
_LINE_COLOURS = ("#e67e22", "#8e44ad", "#16a085", "#2980b9", "#c0392b", "#7f8c8d")
_FLAT = 1e-9
_LOG_SCALE_RATIO = 20.0
"""Equity ranging wider than this (highest over lowest) is drawn on a log scale."""


def write_report(
    data: ReportInput,
    directory: str | os.PathLike[str],
    *,
    max_instruments: int = MAX_PRICE_CHARTS,
) -> Path:
    """Write the report files into ``directory`` (created if needed); return the HTML path.

    Beside ``report.html``: ``trades.csv`` and ``fills.csv`` (every row), and
    ``equity.png``, ``drawdown.png`` and ``price_<instrument>.png`` for e-mail.
    """
    if max_instruments < 0:
        raise ValueError(f"max_instruments must be >= 0, got {max_instruments}")
    series = data._series
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    equity_ts, equity = series.equity_ts, series.equity
    drawdown = drawdown_series(equity)

    by_instrument = _fills_by_instrument(data.fills)
    ranked = sorted(series.prices, key=lambda name: (-len(by_instrument.get(name, ())), name))
    charted = ranked[:max_instruments]
    benchmark = ranked[0] if data.benchmark is None and ranked else (data.benchmark or "")
    bench_equity = None
    if benchmark:
        bench_ts, bench_close = series.prices[benchmark]
        bench_equity = value_at(
            bench_ts, buy_and_hold(bench_ts, bench_close, float(equity[0])), equity_ts
        )
    exposure = _exposure(series.prices, by_instrument, equity_ts, equity)

    files = [
        _write(out / "equity.png", equity_png(equity_ts, equity, bench_equity, benchmark)),
        _write(out / "drawdown.png", drawdown_png(equity_ts, drawdown)),
    ]
    lines = _lines_by_instrument(data.lines, benchmark or (ranked[0] if ranked else ""))
    price_figures = []
    used_names: set[str] = set()
    for instrument in charted:
        ts, close = series.prices[instrument]
        fills = by_instrument.get(instrument, [])
        buys, sells = _markers(fills, Side.BUY), _markers(fills, Side.SELL)
        instrument_lines = lines.get(instrument, [])
        name = _price_filename(instrument, used_names)
        png = price_png(
            instrument, ts, close, buys, sells, [line for line in instrument_lines if line.overlay]
        )
        files.append(_write(out / f"{name}.png", png))
        price_figures.append(
            figure_html(
                _price_figure(name, instrument, ts, close, fills, buys, sells, instrument_lines)
            )
        )
    write_trades_csv(data.trades, out / TRADES_CSV)
    write_fills(data.fills, out / FILLS_CSV)  # the fills format of runs export
    files += [TRADES_CSV, FILLS_CSV]

    total_return = _statistic(data, "total_return", float(equity[-1] / equity[0] - 1.0))
    max_drawdown = _statistic(data, "max_drawdown", float(drawdown.min()))
    summary = [
        ("Start equity", format_value(float(equity[0])), ""),
        ("Final equity", format_value(float(equity[-1])), ""),
        ("Total return", format_percent(total_return), tone(total_return)),
    ]
    if bench_equity is not None:
        bench_return = float(bench_equity[-1] / bench_equity[0] - 1.0)
        excess = total_return - bench_return
        summary += [
            (f"Buy and hold {benchmark}", format_percent(bench_return), tone(bench_return)),
            ("Excess return", format_percent(excess), tone(excess)),
        ]
    summary.append(
        ("Max drawdown", format_statistic("max_drawdown", max_drawdown), tone(max_drawdown))
    )
    sharpe = data.statistics.get("sharpe")
    if isinstance(sharpe, int | float):
        summary.append(("Sharpe (annualised)", format_statistic("sharpe", sharpe), ""))
    summary += [("Trades", f"{len(data.trades):,}", ""), ("Fills", f"{len(data.fills):,}", "")]

    start, end = int(equity_ts[0]), int(equity_ts[-1])
    instruments = sorted(set(series.prices) | set(by_instrument))
    page = Page(
        title=data.title,
        subtitle=(
            f"{format_date(start)} \u2013 {format_date(end)} UTC \u00b7 "
            f"{_points(data.settings, equity.size)} \u00b7 "
            f"{_plural(len(instruments), 'instrument')}"
        ),
        flags=_open_positions(by_instrument, series.prices),
        summary=summary,
        statistics=readable_statistics(data.statistics),
        statistics_note=_annualisation_note(data),
        settings=_settings(data.settings, data, start, end, instruments, benchmark),
        parameters=data.parameters,
        performance=[
            figure_html(
                _performance_figure(equity_ts, equity, drawdown, exposure, bench_equity, benchmark)
            )
        ],
        monthly=monthly_returns(equity_ts, equity),
        prices=price_figures,
        price_note=_price_note(ranked, charted, by_instrument, equity.size),
        trades=trades_table(data.trades),
        fills=fills_table(data.fills),
        files=files,
        script=plotly_bundle(),
    )
    html_path = out / "report.html"
    html_path.write_text(render_page(page), encoding="utf-8")
    return html_path


def _points(settings: RunSettings | None, points: int) -> str:
    if settings is not None and settings.bars is not None:
        return _plural(settings.bars, "bar")
    return _plural(points, "equity point")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _statistic(data: ReportInput, key: str, fallback: float) -> float:
    value = data.statistics.get(key)
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else fallback
    )


def _write(path: Path, png: bytes) -> str:
    path.write_bytes(png)
    return path.name


def _performance_figure(
    ts: npt.NDArray[np.int64],
    equity: npt.NDArray[np.float64],
    drawdown: npt.NDArray[np.float64],
    exposure: npt.NDArray[np.float64] | None,
    bench: npt.NDArray[np.float64] | None,
    benchmark: str,
) -> Figure:
    traces = [trace("Strategy equity", ts, equity, line={"color": _EQUITY, "width": 1.6})]
    if bench is not None:
        traces.append(
            trace(
                f"Buy and hold {benchmark}",
                ts,
                bench,
                line={"color": _BENCHMARK, "width": 1.3, "dash": "dot"},
            )
        )
    traces.append(
        trace(
            "Drawdown",
            ts,
            drawdown,
            panel=2,
            fill="tozeroy",
            line={"color": _LOSS, "width": 1},
            fillcolor="rgba(192, 57, 43, 0.15)",
        )
    )
    panels = [("Equity (account currency)", 3.0, ",.0f"), ("Drawdown from peak", 1.4, ".1%")]
    if exposure is not None:
        traces.append(
            trace(
                "Exposure (gross, of equity)",
                ts,
                exposure,
                panel=3,
                line={"color": _INK, "width": 1, "shape": "hv"},
            )
        )
        panels.append(("Exposure (of equity)", 1.2, ".0%"))
    levels = equity if bench is None else np.concatenate((equity, bench))
    title = "Equity, drawdown and exposure"
    return Figure("equity", title, traces, panels, 640, _log_if_wide(levels))


def _price_figure(
    key: str,
    instrument: str,
    ts: npt.NDArray[np.int64],
    close: npt.NDArray[np.float64],
    fills: Sequence[Fill],
    buys: Markers,
    sells: Markers,
    lines: Sequence[PlotLine],
) -> Figure:
    traces = [trace(f"{instrument} close", ts, close, line={"color": _INK, "width": 1.1})]
    overlays = [line for line in lines if line.overlay]
    panels_below = [line for line in lines if not line.overlay]
    for index, line in enumerate(overlays):
        colour = _LINE_COLOURS[index % len(_LINE_COLOURS)]
        traces.append(
            trace(line.name, line.ts_ns, line.values, line={"color": colour, "width": 1.2})
        )
    for (times, prices), label, symbol, colour in (
        (buys, "Buy", "triangle-up", _BUY),
        (sells, "Sell", "triangle-down", _SELL),
    ):
        if times.size:
            traces.append(
                trace(
                    f"{label} fills ({times.size:,})",
                    times,
                    prices,
                    mode="markers",
                    marker={
                        "symbol": symbol,
                        "size": _marker_size(times.size),
                        "color": colour,
                        "line": {"color": "white", "width": 0.6},
                    },
                )
            )
    panels = [(f"{instrument} price", 3.0, "")]
    if panels_below:
        for index, line in enumerate(panels_below):
            colour = _LINE_COLOURS[(len(overlays) + index) % len(_LINE_COLOURS)]
            traces.append(
                trace(
                    line.name,
                    line.ts_ns,
                    line.values,
                    panel=2,
                    line={"color": colour, "width": 1.1},
                )
            )
        panels.append(("Strategy series", 1.2, ""))
    if fills:
        fill_ts, signed = _signed_fills(fills)
        position = position_at(fill_ts, signed, ts)
        traces.append(
            trace(
                "Position",
                ts,
                position,
                panel=len(panels) + 1,
                line={"color": _EQUITY, "width": 1, "shape": "hv"},
                fill="tozeroy",
                fillcolor="rgba(47, 93, 138, 0.12)",
            )
        )
        panels.append(("Position (units)", 1.0, ""))
    height = 440 + 130 * (len(panels) - 1)
    title = f"{instrument}: close, strategy series and fills"
    span = (int(ts[0]), int(ts[-1]))
    return Figure(key, title, traces, panels, height, _log_if_wide(close), span)


def _marker_size(count: int) -> int:
    # Thousands of full-size markers hide the price they mark.
    return 9 if count <= 200 else 6 if count <= 2_000 else 4


def _log_if_wide(levels: npt.NDArray[np.float64]) -> frozenset[int]:
    """The top panel on a log scale when the levels span more than a factor of 20."""
    low, high = float(levels.min()), float(levels.max())
    return frozenset({1}) if low > 0.0 and high / low > _LOG_SCALE_RATIO else frozenset()


def _signed_fills(fills: Sequence[Fill]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    ordered = sorted(fills, key=lambda fill: fill.ts_event_ns)
    times = np.fromiter((f.ts_event_ns for f in ordered), dtype=np.int64, count=len(ordered))
    signed = np.fromiter(
        (f.quantity if f.side == Side.BUY else -f.quantity for f in ordered),
        dtype=np.float64,
        count=len(ordered),
    )
    return times, signed


def _exposure(
    prices: Mapping[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
    fills: Mapping[str, list[Fill]],
    equity_ts: npt.NDArray[np.int64],
    equity: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64] | None:
    """Gross position value over equity at each equity point (None without priced fills)."""
    gross = np.zeros(equity_ts.size)
    found = False
    for instrument, chosen in fills.items():
        if instrument not in prices:
            continue
        found = True
        fill_ts, signed = _signed_fills(chosen)
        ts, close = prices[instrument]
        gross += np.abs(position_at(fill_ts, signed, equity_ts) * value_at(ts, close, equity_ts))
    if not found:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(equity > 0.0, gross / equity, 0.0)
    return share


def _lines_by_instrument(lines: Sequence[PlotLine], default: str) -> dict[str, list[PlotLine]]:
    grouped: dict[str, list[PlotLine]] = {}
    for line in lines:
        grouped.setdefault(line.instrument or default, []).append(line)
    return grouped


def _open_positions(
    fills: Mapping[str, list[Fill]],
    prices: Mapping[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
) -> list[str]:
    flags = []
    for instrument in sorted(fills):
        _, signed = _signed_fills(fills[instrument])
        held = float(signed.sum())
        if abs(held) > _FLAT:
            buys = int(np.count_nonzero(signed > 0))
            sells = int(np.count_nonzero(signed < 0))
            mark = ""
            if instrument in prices:
                mark = f" at the last close, {format_value(float(prices[instrument][1][-1]))}"
            flags.append(
                f"Position still open at the end: {instrument} {held:+,g} "
                f"({_plural(buys, 'buy')}, {_plural(sells, 'sell')}). It is marked to market"
                f"{mark} in the equity and statistics, but is not a closed trade."
            )
    return flags


def _settings(
    given: RunSettings | None,
    data: ReportInput,
    start: int,
    end: int,
    instruments: list[str],
    benchmark: str,
) -> dict[str, str]:
    rows: dict[str, str] = {}
    settings = given or RunSettings()
    if settings.run_id:
        rows["Run id"] = settings.run_id
    if settings.data:
        rows["Data"] = ", ".join(settings.data)
    rows["Span"] = (
        f"{format_date(start)} \u2013 {format_date(end)} UTC ({format_duration(end - start)})"
    )
    if settings.bars is not None:
        rows["Bars"] = f"{settings.bars:,}"
    rows["Instruments"] = ", ".join(instruments) or "none"
    if settings.initial_cash is not None:
        rows["Initial cash"] = f"{settings.initial_cash:,.2f}"
    rows["Commission"] = settings.commission
    rows["Slippage"] = settings.slippage
    if settings.fill_rules:
        rows["Fill rules"] = settings.fill_rules
    rows["Benchmark"] = f"buy and hold {benchmark} from its first close" if benchmark else "none"
    for name, text in settings.other:
        rows[name] = text
    if settings.wall_time_s is not None:
        rows["Wall time"] = f"{settings.wall_time_s:,.3f} s (bar loop)"
    rows["tickwire version"] = settings.tickwire_version
    return rows


def _annualisation_note(data: ReportInput) -> str:
    if data.annualisation is not None:
        return "Sharpe, Sortino and volatility: " + data.annualisation.describe() + "."
    periods = data.statistics.get("periods_per_year")
    if isinstance(periods, int | float) and math.isfinite(periods):
        return (
            f"Sharpe, Sortino and volatility: annualised by \u221a{periods:,.1f} periods per year."
        )
    return ""


def _fills_by_instrument(fills: Sequence[Fill]) -> dict[str, list[Fill]]:
    grouped: dict[str, list[Fill]] = {}
    for fill in fills:
        grouped.setdefault(fill.instrument, []).append(fill)
    return grouped


def _markers(fills: Sequence[Fill], side: Side) -> Markers:
    chosen = [fill for fill in fills if fill.side == side]
    times = np.fromiter((fill.ts_event_ns for fill in chosen), dtype=np.int64, count=len(chosen))
    prices = np.fromiter((fill.price for fill in chosen), dtype=np.float64, count=len(chosen))
    order = np.argsort(times, kind="stable")
    return times[order], prices[order]


def _price_filename(instrument: str, used: set[str]) -> str:
    # Instruments such as 'BTC/USD' must not become paths; distinct names stay distinct files.
    stem = "price_" + (_UNSAFE_FILENAME.sub("_", instrument).strip("._") or "instrument")
    name, counter = stem, 2
    while name.lower() in used:
        name, counter = f"{stem}_{counter}", counter + 1
    used.add(name.lower())
    return name


def _price_note(
    ranked: list[str], charted: list[str], fills: dict[str, list[Fill]], points: int
) -> str:
    notes = []
    if not ranked:
        notes.append("No price series were given.")
    omitted = ranked[len(charted) :]
    if omitted:
        notes.append(f"Not charted ({len(omitted)}, fewest fills): {', '.join(omitted)}.")
    unpriced = sorted(set(fills) - set(ranked))
    if unpriced:
        notes.append(f"Fills without a price series: {', '.join(unpriced)}.")
    notes.append(
        f"Each series is thinned to the low and high of {BUCKETS:,} time slices "
        "(spikes stay visible); the full fills are in fills.csv."
    )
    return " ".join(notes)
