"""Statistics as people read them: a label and a unit for each known key.

The keys are those of :class:`tickwire.portfolio.Statistics` (and of ``--json``); values
come in raw (fractions, nanoseconds) and are formatted here, once, so the cards and the
table show a figure with the same text and sign. Unknown keys and text values pass
through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from tickwire.report._format import format_percent, format_value

__all__ = ["format_duration", "format_statistic", "label_of", "readable_statistics"]

_NS_PER_MINUTE = 60 * 1_000_000_000
_NS_PER_HOUR = 60 * _NS_PER_MINUTE
_NS_PER_DAY = 24 * _NS_PER_HOUR


def format_duration(ns: float) -> str:
    """A duration in the largest unit that keeps it readable: '3 d 4 h', '2 h 05 min', '45 s'."""
    if not math.isfinite(ns):
        return str(ns)
    ns = abs(ns)
    if ns >= _NS_PER_DAY:
        days, rest = divmod(int(ns), _NS_PER_DAY)
        hours = rest // _NS_PER_HOUR
        return f"{days:,} d {hours} h" if hours else f"{days:,} d"
    if ns >= _NS_PER_HOUR:
        hours, rest = divmod(int(ns), _NS_PER_HOUR)
        return f"{hours} h {rest // _NS_PER_MINUTE:02d} min"
    if ns >= _NS_PER_MINUTE:
        minutes, rest = divmod(int(ns), _NS_PER_MINUTE)
        seconds = rest // 1_000_000_000
        return f"{minutes} min {seconds:02d} s" if seconds else f"{minutes} min"
    return f"{ns / 1e9:.3g} s"


def _signed(value: float) -> str:
    return format_percent(value)


def _unsigned(value: float) -> str:
    return format_percent(value, signed=False)


def _ratio(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else str(value)


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _count(value: float) -> str:
    return f"{int(value):,}"


def _periods(value: float) -> str:
    return f"{value:,.1f}"


_Formatter = Callable[[float], str]

_KNOWN: dict[str, tuple[str, _Formatter]] = {
    "start_equity": ("Start equity", _money),
    "end_equity": ("Final equity", _money),
    "total_return": ("Total return", _signed),
    "cagr": ("CAGR (compound annual growth)", _signed),
    "sharpe": ("Sharpe ratio (annualised, risk-free 0)", _ratio),
    "sortino": ("Sortino ratio (annualised, risk-free 0)", _ratio),
    "volatility": ("Volatility (annualised)", _unsigned),
    "max_drawdown": ("Max drawdown", _signed),
    "max_drawdown_bars": ("Max drawdown length (bars, peak to recovery or end)", _count),
    "max_drawdown_duration_ns": (
        "Max drawdown length (time, peak to recovery or end)",
        format_duration,
    ),
    "exposure": ("Time in market (bars with a position)", _unsigned),
    "trades": ("Closed trades", _count),
    "win_rate": ("Win rate (net PnL > 0)", _unsigned),
    "profit_factor": ("Profit factor (gross wins / gross losses, net)", _ratio),
    "avg_trade_pnl": ("Average trade net PnL", _money),
    "periods_per_year": ("Periods per year (annualisation)", _periods),
    "bars": ("Bars (equity points)", _count),
}
_TEXT_LABELS = {"annualisation": "Annualisation basis"}


def label_of(key: str) -> str:
    """The label shown for a statistic key (the key itself, spaced, if unknown)."""
    known = _KNOWN.get(key)
    if known:
        return known[0]
    return _TEXT_LABELS.get(key) or key.replace("_", " ")


def format_statistic(key: str, value: float | int | str) -> str:
    """A statistic's value as text, in its unit (text values are shown as given)."""
    if isinstance(value, str):
        return value
    known = _KNOWN.get(key)
    if known is None or isinstance(value, bool):
        return format_value(value)
    return known[1](float(value))


def readable_statistics(statistics: Mapping[str, float | int | str]) -> dict[str, str]:
    """Label -> formatted value, in the order given."""
    return {label_of(key): format_statistic(key, value) for key, value in statistics.items()}
