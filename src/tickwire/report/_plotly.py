"""Zoomable charts: plotly figures as JSON, drawn by the plotly.js bundle inlined once.

Figures are plain dicts (plotly's figure schema), which keeps building them cheap; only
the bundle comes from the plotly package, so the page needs no network. Long series are
downsampled to :data:`BUCKETS` time slices (each slice's low and high kept, so spikes
stay), which bounds the page size whatever the run's length. The toolbar's camera
button saves a chart as PNG.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tickwire.report._downsample import minmax_per_bucket

__all__ = ["BUCKETS", "Figure", "Trace", "figure_html", "plotly_bundle", "script_json", "trace"]

BUCKETS = 2_000
"""Time slices per series: a series of any length becomes at most twice this many points."""

_INK = "#1f2933"
_MUTED = "#616e7c"
_GRID = "#e4e7eb"
_FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

Trace = dict[str, Any]


@dataclass(frozen=True)
class Figure:
    """One chart: stacked panels sharing the time axis."""

    key: str
    """The element id and the PNG file name of the toolbar's download."""
    title: str
    traces: list[Trace]
    """Each with ``yaxis`` 'y', 'y2'... for its panel (counted from the top)."""
    panels: list[tuple[str, float, str]]
    """Per panel, top to bottom: (axis title, relative height, tick format)."""
    height: int
    log_panels: frozenset[int] = frozenset()
    """Panels (1 at the top) drawn on a log scale, for curves that grow many-fold."""
    span_ns: tuple[int, int] | None = None
    """The time range shown at first (markers would otherwise pad it)."""


def plotly_bundle() -> str:
    """The plotly.js source, inlined once per page."""
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped, unused-ignore]

    bundle: str = get_plotlyjs()
    return bundle


def trace(
    name: str,
    ts_ns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    *,
    panel: int = 1,
    downsample: bool = True,
    **style: Any,
) -> Trace:
    """A line (or, with ``mode='markers'``, points) on ``panel``, at most 2*BUCKETS points."""
    if downsample and ts_ns.size > 2 * BUCKETS:
        keep = minmax_per_bucket(ts_ns, values, BUCKETS)
        ts_ns, values = ts_ns[keep], values[keep]
    return {
        "type": "scattergl" if style.pop("gl", False) else "scatter",
        "name": name,
        "x": (ts_ns // 1_000_000).tolist(),  # milliseconds: a date axis reads numbers so
        "y": _rounded(values),
        "yaxis": "y" if panel == 1 else f"y{panel}",
        "mode": style.pop("mode", "lines"),
        **style,
    }


def _rounded(values: npt.NDArray[np.float64]) -> list[float]:
    # Seven significant digits of the largest value: enough for any chart, and short JSON.
    if values.size == 0:
        return []
    largest = float(np.max(np.abs(values)))
    digits = 7 - (math.floor(math.log10(largest)) + 1) if largest > 0 else 7
    rounded: list[float] = np.round(values, max(0, min(12, digits))).tolist()
    return rounded


def figure_html(figure: Figure) -> str:
    """A ``<div>`` and the script that draws the figure into it."""
    layout = _layout(figure)
    config = {
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "png", "filename": figure.key, "scale": 2},
    }
    call = (
        f"Plotly.newPlot({json.dumps(figure.key)}, {script_json(figure.traces)}, "
        f"{script_json(layout)}, {script_json(config)});"
    )
    return (
        f'<div class="plot" id="{figure.key}" style="height:{figure.height}px"></div>'
        f"<script>{call}</script>"
    )


def script_json(value: object) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element (no NaN, no ``</``)."""
    # '</' would end the script element early; JSON allows the escaped form.
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _layout(figure: Figure) -> dict[str, Any]:
    total = sum(height for _, height, _ in figure.panels)
    gap = 0.05 if len(figure.panels) > 1 else 0.0
    usable = 1.0 - gap * (len(figure.panels) - 1)
    layout: dict[str, Any] = {
        "title": {
            "text": figure.title,
            "x": 0.01,
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
            "font": {"size": 15, "color": _INK},
        },
        "font": {"family": _FONT, "size": 12, "color": _INK},
        "margin": {"l": 80, "r": 20, "t": 72, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "x unified",
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.01,
            "yanchor": "bottom",
            "xanchor": "left",
        },
        "xaxis": {
            "type": "date",
            "title": {"text": "Time (UTC)"},
            "gridcolor": _GRID,
            "linecolor": _MUTED,
            "anchor": f"y{len(figure.panels)}" if len(figure.panels) > 1 else "y",
        },
    }
    if figure.span_ns is not None and figure.span_ns[1] > figure.span_ns[0]:
        layout["xaxis"]["range"] = [figure.span_ns[0] // 1_000_000, figure.span_ns[1] // 1_000_000]
    top = 1.0
    for index, (title, height, tickformat) in enumerate(figure.panels, start=1):
        size = usable * height / total
        axis: dict[str, Any] = {
            "title": {"text": title},
            "domain": [max(0.0, top - size), top],
            "gridcolor": _GRID,
            "linecolor": _MUTED,
            "zerolinecolor": _GRID,
            "anchor": "x",
            "automargin": True,
        }
        if tickformat:
            axis["tickformat"] = tickformat
        if index in figure.log_panels:
            axis["type"] = "log"
            axis["title"]["text"] = f"{title}, log scale"
        layout["yaxis" if index == 1 else f"yaxis{index}"] = axis
        top -= size + gap
    return layout
