"""Write a backtest report: ``report.html`` plus each chart as its own PNG file."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tickwire.events import Fill, Side
from tickwire.report._charts import Markers, drawdown_png, equity_png, price_png
from tickwire.report._format import format_date, format_percent, format_value, tone
from tickwire.report._html import Chart, Page, render_page
from tickwire.report._input import ReportInput
from tickwire.report._metrics import drawdown_series, monthly_returns

__all__ = ["MAX_PRICE_CHARTS", "write_report"]

MAX_PRICE_CHARTS = 4
"""Instruments charted by default; the ones with the most fills are chosen."""

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def write_report(
    data: ReportInput,
    directory: str | os.PathLike[str],
    *,
    max_instruments: int = MAX_PRICE_CHARTS,
) -> Path:
    """Write the report files into ``directory`` (created if needed); return the HTML path."""
    if max_instruments < 0:
        raise ValueError(f"max_instruments must be >= 0, got {max_instruments}")
    series = data._series
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)

    drawdown = drawdown_series(series.equity)
    performance = [
        _save(out / "equity.png", "Equity curve", equity_png(series.equity_ts, series.equity)),
        _save(out / "drawdown.png", "Drawdown", drawdown_png(series.equity_ts, drawdown)),
    ]

    by_instrument = _fills_by_instrument(data.fills)
    ranked = sorted(series.prices, key=lambda name: (-len(by_instrument.get(name, ())), name))
    charted = ranked[:max_instruments]
    prices = []
    used_names: set[str] = set()
    for instrument in charted:
        ts, close = series.prices[instrument]
        fills = by_instrument.get(instrument, [])
        png = price_png(
            instrument, ts, close, _markers(fills, Side.BUY), _markers(fills, Side.SELL)
        )
        path = out / _price_filename(instrument, used_names)
        prices.append(_save(path, f"{instrument} close with buy and sell fills", png))

    start, end = int(series.equity_ts[0]), int(series.equity_ts[-1])
    total_return = float(series.equity[-1] / series.equity[0] - 1.0)
    max_drawdown = float(drawdown.min())
    page = Page(
        title=data.title,
        subtitle=(
            f"{format_date(start)} \u2013 {format_date(end)} UTC \u00b7 "
            f"{series.equity.size:,} equity points \u00b7 {len(series.prices)} instruments"
        ),
        summary=(
            ("Start equity", format_value(float(series.equity[0])), ""),
            ("Final equity", format_value(float(series.equity[-1])), ""),
            ("Total return", format_percent(total_return), tone(total_return)),
            ("Max drawdown", format_percent(max_drawdown), tone(max_drawdown)),
            ("Fills", f"{len(data.fills):,}", ""),
        ),
        statistics=data.statistics,
        parameters=data.parameters,
        performance=performance,
        monthly=monthly_returns(series.equity_ts, series.equity),
        prices=prices,
        price_note=_price_note(ranked, charted, by_instrument),
    )
    html_path = out / "report.html"
    html_path.write_text(render_page(page), encoding="utf-8")
    return html_path


def _save(path: Path, alt: str, png: bytes) -> Chart:
    path.write_bytes(png)
    return Chart(alt=alt, png=png)


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
    name, counter = f"{stem}.png", 2
    while name.lower() in used:
        name, counter = f"{stem}_{counter}.png", counter + 1
    used.add(name.lower())
    return name


def _price_note(ranked: list[str], charted: list[str], fills: dict[str, list[Fill]]) -> str:
    notes = []
    if not ranked:
        notes.append("No price series were given.")
    omitted = ranked[len(charted) :]
    if omitted:
        notes.append(f"Not charted ({len(omitted)}, fewest fills): {', '.join(omitted)}.")
    unpriced = sorted(set(fills) - set(ranked))
    if unpriced:
        notes.append(f"Fills without a price series: {', '.join(unpriced)}.")
    return " ".join(notes)
