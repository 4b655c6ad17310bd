"""The sweep report: one self-contained HTML page for a parameter sweep or walk-forward.

It shows the metric over two chosen parameters as a heat map (each cell the best over the
other parameters), the distribution of the metric over every point that ran, the top
points with their statistics, the points that failed and why, the deflated Sharpe ratio
of the best point, and for walk-forward each window's choice with its in-sample and
out-of-sample metric beside the stitched out-of-sample equity curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from tickwire._exceptions import ConfigError
from tickwire.report._format import format_date, format_percent
from tickwire.report._plotly import Figure, figure_html, plotly_bundle, script_json, trace
from tickwire.report._style import CSS
from tickwire.sweep import METRICS, PointResult, SweepResult, WalkForwardResult

__all__ = ["write_sweep_report"]

TOP_POINTS = 25
"""Rows of the top-points table (the JSON output has every point)."""
_COLUMNS = ("sharpe", "total_return", "max_drawdown", "win_rate", "trades", "final_equity")
_FRACTIONS = frozenset({"total_return", "max_drawdown", "win_rate"})
_RED_TO_GREEN = [[0.0, "#b2182b"], [0.5, "#f7f7f7"], [1.0, "#1a9850"]]
"""The heat map's colours, worst to best (plotly.js names no red-yellow-green scale)."""


def write_sweep_report(
    result: SweepResult | WalkForwardResult,
    out_dir: str | Path,
    *,
    title: str = "tickwire sweep",
    axes: tuple[str, str] | None = None,
) -> Path:
    """Write ``out_dir/sweep.html`` and return its path.

    ``axes`` names the heat map's two parameters (x, then y); by default the first two
    parameters that take more than one value. For walk-forward the heat map and the
    distribution are of the last training window's sweep.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    walk = result if isinstance(result, WalkForwardResult) else None
    sweep = result if isinstance(result, SweepResult) else _last_sweep(result)
    metric = result.metric
    parts = [
        _cards(sweep, walk),
        _heat_map(sweep, axes),
        _distribution(sweep),
        *(_walk_forward(walk) if walk is not None else ()),
        _top_points(sweep),
        _failed(sweep),
    ]
    page = _document(f"{title}: {metric}", _subtitle(sweep, walk), [p for p in parts if p])
    path = out / "sweep.html"
    path.write_text(page, encoding="utf-8")
    return path


def _last_sweep(walk: WalkForwardResult) -> SweepResult:
    for window in reversed(walk.windows):
        return window.in_sample
    return SweepResult(points=[], metric=walk.metric)


def _subtitle(sweep: SweepResult, walk: WalkForwardResult | None) -> str:
    ran = sum(1 for p in sweep.points if p.ok)
    what = f"{len(sweep.points):,} points, {ran:,} ran, ranked by {sweep.metric}"
    if walk is not None:
        what = f"walk-forward over {len(walk.windows)} windows; last training window: {what}"
    if sweep.interrupted or (walk is not None and walk.interrupted):
        what += " (interrupted: only the points that finished)"
    return what


def _cards(sweep: SweepResult, walk: WalkForwardResult | None) -> str:
    best = sweep.best
    cards: list[tuple[str, str]] = [("Points", f"{len(sweep.points):,}")]
    cards.append(("Failed", f"{len(sweep.failed):,}"))
    if best is not None:
        cards.append((f"Best {sweep.metric}", _value(sweep.metric, best.summary.get(sweep.metric))))
        cards.append(("Best parameters", _params(best)))
    deflated = sweep.deflated_sharpe()
    if deflated is not None:
        cards.append(("Deflated Sharpe (P[true Sharpe > 0])", f"{deflated.probability:.1%}"))
    if walk is not None:
        cards.append((f"In-sample {walk.metric}", _value(walk.metric, walk.in_sample_metric())))
        out_of_sample = walk.out_of_sample_metric()
        cards.append((f"Out-of-sample {walk.metric}", _value(walk.metric, out_of_sample)))
    if sweep.wall_time_s:
        cards.append(("Wall time", f"{sweep.wall_time_s:,.1f} s"))
    items = "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div></div>'
        for label, value in cards
    )
    note = (
        "The deflated Sharpe ratio (Bailey and López de Prado) is the probability that the "
        "best point's true Sharpe ratio is above 0, given how many points were tried: what "
        "is left of the best Sharpe once selection luck is taken out."
    )
    return f'<section class="cards">{items}</section><p class="note">{escape(note)}</p>'


def _varying(points: Sequence[PointResult]) -> list[str]:
    names: dict[str, set[str]] = {}
    for point in points:
        for name, value in point.params.items():
            names.setdefault(name, set()).add(repr(value))
    return [name for name, values in names.items() if len(values) > 1]


def _heat_map(sweep: SweepResult, axes: tuple[str, str] | None) -> str:
    ran = [p for p in sweep.points if p.ok and _finite(p.summary.get(sweep.metric))]
    varying = _varying(sweep.points)
    if axes is None:
        if len(varying) < 2:
            return ""
        axes = (varying[0], varying[1])
    x_name, y_name = axes
    for name in axes:
        if name not in varying:
            raise ConfigError(
                f"heat map axis {name!r} is not a parameter that varies in this sweep "
                f"(those are: {', '.join(varying) or 'none'})"
            )
    xs = sorted({p.params[x_name] for p in ran}, key=_order)
    ys = sorted({p.params[y_name] for p in ran}, key=_order)
    higher = _higher(sweep.metric)
    cells: dict[tuple[Any, Any], float] = {}
    for point in ran:
        key = (point.params[x_name], point.params[y_name])
        value = float(point.summary[sweep.metric])
        old = cells.get(key)
        if old is None or (value > old if higher else value < old):
            cells[key] = value
    z = [[cells.get((x, y)) for x in xs] for y in ys]
    others = [name for name in varying if name not in axes]
    note = f"Each cell is the best {sweep.metric} over {', '.join(others)}." if others else ""
    data = [
        {
            "type": "heatmap",
            "x": [_label(x) for x in xs],
            "y": [_label(y) for y in ys],
            "z": z,
            "colorscale": _RED_TO_GREEN,
            "reversescale": not higher,  # green is good either way
            "colorbar": {"title": {"text": sweep.metric}},
            "hovertemplate": f"{x_name}=%{{x}}<br>{y_name}=%{{y}}<br>{sweep.metric}=%{{z}}"
            "<extra></extra>",
        }
    ]
    layout = {
        "xaxis": {"title": {"text": x_name}, "type": "category"},
        "yaxis": {"title": {"text": y_name}, "type": "category"},
        "margin": {"l": 80, "r": 20, "t": 30, "b": 60},
    }
    chart = _chart("heatmap", data, layout, 460)
    return _section(f"{sweep.metric} over {x_name} and {y_name}", chart, note)


def _distribution(sweep: SweepResult) -> str:
    values = [
        float(p.summary[sweep.metric])
        for p in sweep.points
        if p.ok and _finite(p.summary.get(sweep.metric))
    ]
    if not values:
        return ""
    data = [{"type": "histogram", "x": values, "nbinsx": min(60, max(10, len(values) // 5))}]
    layout = {
        "xaxis": {"title": {"text": sweep.metric}},
        "yaxis": {"title": {"text": "points"}},
        "bargap": 0.05,
        "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
    }
    median = float(np.median(values))
    note = f"Median over {len(values):,} points: {_value(sweep.metric, median)}."
    return _section(f"Distribution of {sweep.metric}", _chart("histogram", data, layout, 320), note)


def _top_points(sweep: SweepResult) -> str:
    ranked = sweep.ranked()[:TOP_POINTS]
    if not ranked:
        return _section("Top points", '<p class="note">No point ran to the end.</p>')
    names = list(ranked[0].params)
    header = "".join(f"<th>{escape(h)}</th>" for h in ["#", *names, *_COLUMNS])
    rows = []
    for rank, point in enumerate(ranked, start=1):
        cells = [str(rank), *(_label(point.params.get(n)) for n in names)]
        cells += [_value(c, point.summary.get(c)) for c in _COLUMNS]
        rows.append("<tr>" + "".join(f'<td class="num">{escape(c)}</td>' for c in cells) + "</tr>")
    table = (
        f'<div class="scroll"><table><thead><tr>{header}</tr></thead>{"".join(rows)}</table></div>'
    )
    shown = f"The best {len(ranked)} of {len(sweep.points):,} points by {sweep.metric}."
    return _section("Top points", table, shown)


def _failed(sweep: SweepResult) -> str:
    failed = sweep.failed
    if not failed:
        return ""
    rows = "".join(
        f"<tr><td>{escape(_params(p))}</td><td>{escape(p.error or '')}</td></tr>"
        for p in failed[:TOP_POINTS]
    )
    table = _scroll_table("<th>parameters</th><th>error</th>", [rows])
    return _section(f"Failed points ({len(failed):,})", table)


def _walk_forward(walk: WalkForwardResult) -> list[str]:
    rows = []
    for window in walk.windows:
        oos = window.out_of_sample
        cells = [
            f"{format_date(window.train.start_ns)} to {format_date(window.train.end_ns)}",
            f"{format_date(window.test.start_ns)} to {format_date(window.test.end_ns)}",
            _params(window.chosen) if window.chosen is not None else "-",
            _value(walk.metric, window.chosen.summary.get(walk.metric) if window.chosen else None),
            _value(
                walk.metric, oos.summary.get(walk.metric) if oos is not None and oos.ok else None
            ),
        ]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in ("training window", "test window", "chosen", "in-sample", "out-of-sample")
    )
    table = (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>{"".join(rows)}</table></div>'
    )
    parts = [
        _section(
            "Walk-forward: in-sample against out-of-sample",
            table,
            "Each window's parameters are chosen on its training window and traded on the "
            "test window that follows; a strategy that only fits its past shows a "
            "much worse out-of-sample column.",
        )
    ]
    if walk.equity.size:
        figure = Figure(
            key="oos-equity",
            title="Stitched out-of-sample equity",
            traces=[trace("out-of-sample equity", walk.equity_ts_ns, walk.equity)],
            panels=[("Equity", 1.0, ",.0f")],
            height=360,
        )
        parts.append(_section("Out-of-sample equity", figure_html(figure)))
    return parts


def _scroll_table(header: str, rows: list[str]) -> str:
    body = "".join(rows)
    return f'<div class="scroll"><table><thead><tr>{header}</tr></thead>{body}</table></div>'


def _chart(key: str, data: list[dict[str, Any]], layout: dict[str, Any], height: int) -> str:
    base = {"font": {"size": 12}, "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff"}
    config = {"displaylogo": False, "responsive": True}
    arguments = ", ".join(script_json(part) for part in (key, data, {**base, **layout}, config))
    call = f"Plotly.newPlot({arguments});"
    return f'<div class="plot" id="{key}" style="height:{height}px"></div><script>{call}</script>'


def _section(heading: str, body: str, note: str = "") -> str:
    after = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"<section><h2>{escape(heading)}</h2>{body}{after}</section>"


def _document(title: str, subtitle: str, sections: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{escape(title)}</title>",
            f"<style>{CSS}</style>",
            f"<script>{plotly_bundle()}</script>",
            "</head>",
            '<body><main class="page">',
            f"<header><h1>{escape(title)}</h1>",
            f'<p class="subtitle">{escape(subtitle)}</p></header>',
            *sections,
            "<footer>Generated by tickwire. Charts: drag to zoom, double-click to reset, "
            "the camera button saves a PNG.</footer>",
            "</main></body></html>",
            "",
        ]
    )


def _value(metric: str, value: object) -> str:
    if not isinstance(value, (int, float)) or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if metric in _FRACTIONS:
        return format_percent(float(value), signed=metric != "win_rate")
    if isinstance(value, int):
        return f"{value:,}"
    if metric == "final_equity":
        return f"{value:,.2f}"
    return f"{value:,.4g}"


def _params(point: PointResult) -> str:
    return ", ".join(f"{name}={_label(value)}" for name, value in point.params.items())


def _label(value: object) -> str:
    """A parameter value for people: 10.0 as 10, 0.25 as 0.25."""
    return format(value, "g") if isinstance(value, float) else str(value)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _higher(metric: str) -> bool:
    return METRICS.get(metric, True)


def _order(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, (int, float)) else (1, str(value))
