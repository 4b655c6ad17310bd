"""Text forms of the numbers, dates and parameter values shown in the report."""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = ["format_date", "format_percent", "format_value", "tone"]


def format_value(value: object) -> str:
    """A statistic or parameter as text: grouped digits, four decimals for small floats."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0.0 and abs(value) < 1e-4:
            return f"{value:.3e}"
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4f}"
    return str(value)


def format_percent(fraction: float, decimals: int = 2, *, signed: bool = True) -> str:
    """A fraction as a percentage, signed unless ``signed=False`` (0.0123 -> '+1.23%',
    or '1.23%'); an en dash for NaN. The report shows every return and drawdown so."""
    if math.isnan(fraction):
        return "\u2013"
    sign = "+" if signed else ""
    return f"{fraction * 100:{sign}.{decimals}f}%"


def format_date(ts_ns: int) -> str:
    """A nanosecond UTC timestamp as 'YYYY-MM-DD HH:MM' (the time dropped at midnight)."""
    moment = datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=UTC)
    if moment.hour == moment.minute == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")


def tone(fraction: float) -> str:
    """The CSS class colouring a return: 'pos', 'neg', or '' for zero and NaN."""
    if math.isnan(fraction) or fraction == 0:
        return ""
    return "pos" if fraction > 0 else "neg"
