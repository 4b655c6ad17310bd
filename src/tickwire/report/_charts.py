"""The report's charts as PNG bytes, drawn on the Agg canvas without pyplot's global state."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from tickwire.report._downsample import last_per_bucket, minmax_per_bucket
from tickwire.strategy.plotting import PlotLine

__all__ = ["PIXEL_WIDTH", "Markers", "drawdown_png", "equity_png", "price_png"]

_WIDTH_IN = 11.0
_DPI = 130
PIXEL_WIDTH = int(_WIDTH_IN * _DPI)
"""Width of every chart in pixels; also the downsampling bucket count (one per column)."""

_MARGIN_LEFT_IN = 0.85
_MARGIN_RIGHT_IN = 0.2
_MARGIN_TOP_IN = 0.4
_MARGIN_BOTTOM_IN = 0.42

_INK = "#1f2933"
_MUTED = "#7b8794"
_GRID = "#e4e7eb"
_EQUITY = "#2f5d8a"
_LOSS = "#c0392b"
_BUY = "#1e9e50"
_SELL = "#d64541"
_BENCHMARK = "#9aa5b1"
_LINE_COLOURS = ("#e67e22", "#8e44ad", "#16a085", "#2980b9", "#c0392b", "#7f8c8d")

Markers = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]
"""``(ts_ns, price)`` of fills on one side, sorted by time."""


def equity_png(
    ts_ns: npt.NDArray[np.int64],
    equity: npt.NDArray[np.float64],
    benchmark: npt.NDArray[np.float64] | None = None,
    benchmark_name: str = "",
) -> bytes:
    """The equity curve (the last point of each pixel column), with the buy-and-hold
    benchmark's equity at the same times when given."""
    keep = last_per_bucket(ts_ns, PIXEL_WIDTH)
    figure, axes = _canvas("Equity", height_in=3.6)
    _line(axes, ts_ns[keep], equity[keep], color=_EQUITY, label="Strategy")
    levels = equity
    if benchmark is not None:
        _line(
            axes,
            ts_ns[keep],
            benchmark[keep],
            color=_BENCHMARK,
            label=f"Buy and hold {benchmark_name}",
        )
        levels = np.concatenate((equity, benchmark))
        axes.legend(loc="best", frameon=False, fontsize=9, labelcolor=_INK)
    _level_axis(axes, levels)
    axes.set_ylabel("Equity (account currency)", color=_INK, fontsize=9)
    return _png(figure)


def drawdown_png(ts_ns: npt.NDArray[np.int64], drawdown: npt.NDArray[np.float64]) -> bytes:
    """The drawdown from the running peak, keeping each column's deepest point."""
    keep = minmax_per_bucket(ts_ns, drawdown, PIXEL_WIDTH)
    figure, axes = _canvas("Drawdown", height_in=2.6)
    x = _dates(ts_ns[keep])
    y = drawdown[keep]
    axes.fill_between(x, y, 0.0, color=_LOSS, alpha=0.18, linewidth=0)
    _line(axes, ts_ns[keep], y, color=_LOSS, width=0.9)
    axes.set_ylim(top=0.0)
    # decimals=None: as many as the tick spacing needs, so -2.5 % is not shown as -3 %.
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    axes.set_ylabel("Drawdown from peak", color=_INK, fontsize=9)
    return _png(figure)


def price_png(
    instrument: str,
    ts_ns: npt.NDArray[np.int64],
    close: npt.NDArray[np.float64],
    buys: Markers,
    sells: Markers,
    lines: Sequence[PlotLine] = (),
) -> bytes:
    """Close prices (each column's low and high) with the strategy's series and buy and
    sell markers at fill prices."""
    keep = minmax_per_bucket(ts_ns, close, PIXEL_WIDTH)
    figure, axes = _canvas(f"{instrument} close and fills", height_in=3.6)
    _line(axes, ts_ns[keep], close[keep], color=_INK, width=0.9, label="Close")
    for index, line in enumerate(lines):
        shown = minmax_per_bucket(line.ts_ns, line.values, PIXEL_WIDTH)
        colour = _LINE_COLOURS[index % len(_LINE_COLOURS)]
        _line(axes, line.ts_ns[shown], line.values[shown], color=colour, width=0.9, label=line.name)
    for (times, prices), label, marker, color in (
        (buys, "Buy", "^", _BUY),
        (sells, "Sell", "v", _SELL),
    ):
        # Markers past one pair per column would only overdraw each other.
        shown = minmax_per_bucket(times, prices, PIXEL_WIDTH)
        axes.scatter(
            _dates(times[shown]),
            prices[shown],
            marker=marker,
            s=56,
            color=color,
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
            label=f"{label} ({times.size:,})",
        )
    _level_axis(axes, close)
    axes.set_ylabel(f"{instrument} price", color=_INK, fontsize=9)
    axes.legend(loc="best", frameon=False, fontsize=9, labelcolor=_INK)
    return _png(figure)


def _canvas(title: str, *, height_in: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(_WIDTH_IN, height_in), dpi=_DPI)
    FigureCanvasAgg(figure)
    # Fixed margins in inches: automatic layout measures every tick label and doubles the cost.
    figure.subplots_adjust(
        left=_MARGIN_LEFT_IN / _WIDTH_IN,
        right=1.0 - _MARGIN_RIGHT_IN / _WIDTH_IN,
        top=1.0 - _MARGIN_TOP_IN / height_in,
        bottom=_MARGIN_BOTTOM_IN / height_in,
    )
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=12, fontweight="bold", color=_INK, pad=8)
    axes.grid(True, color=_GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(_MUTED)
    axes.tick_params(colors=_MUTED, labelcolor=_INK, labelsize=9)
    # matplotlib.dates ships without annotations for these two constructors.
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    return figure, axes


def _line(
    axes: Axes,
    ts_ns: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    *,
    color: str,
    width: float = 1.3,
    label: str | None = None,
) -> None:
    # A lone point draws no line segment; give it a marker so it is visible.
    marker = "o" if values.size == 1 else None
    axes.plot(_dates(ts_ns), values, color=color, linewidth=width, marker=marker, label=label)
    axes.margins(x=0.01)


def _dates(ts_ns: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    return ts_ns.astype("datetime64[ns]")


def _level_axis(axes: Axes, values: npt.NDArray[np.float64]) -> None:
    # Grouped digits; whole units once the series moves by tens, else enough decimals.
    span = float(values.max() - values.min())
    if span >= 50:
        decimals = 0
    elif span <= 0:
        decimals = 2
    else:
        decimals = max(0, 2 - math.floor(math.log10(span)))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.{decimals}f}"))


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # No 'Software' text chunk: it holds a URL, and the report must contain none.
    figure.savefig(buffer, format="png", metadata={"Software": None}, facecolor="white")
    return buffer.getvalue()
