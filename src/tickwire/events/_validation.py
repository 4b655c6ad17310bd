"""The rules market data must obey, checked at every edge where it enters tickwire.

Edges are the file readers, the event decoders, live feed parsers and ``Backtest`` given
events; events built inside tickwire from checked data are not checked again, so the
hot path pays nothing. One function states the rules so that every edge applies the same:

- ``ts_event_ns`` is an int within int64; ``instrument`` is a non-empty string;
- prices (bar open/high/low/close, bid and ask, a trade's price) are finite and above 0;
- volumes and sizes are finite and not negative (a trade's size is above 0);
- a bar has ``low <= open, close <= high``; a quote has ``bid <= ask``.

Instruments that really trade at zero or negative prices (some spreads, power, a crude
future in April 2020) opt in with ``allow_nonpositive_prices=True``; every other rule
still applies.
"""

from __future__ import annotations

import math
from typing import Any

from tickwire.events.market import Bar, Tick, Trade

__all__ = ["INT64_MAX", "INT64_MIN", "market_data_problem"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _price(cls: str, name: str, value: Any, allow_nonpositive: bool) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return f"{cls}.{name}: expected a number, got {value!r}"
    if not math.isfinite(value):
        return f"{cls}.{name}: price must be finite, got {value!r}"
    if value <= 0.0 and not allow_nonpositive:
        return (
            f"{cls}.{name}: price must be above 0, got {value!r} "
            "(allow_nonpositive_prices=True accepts it)"
        )
    return None


def _amount(cls: str, name: str, value: Any, *, positive: bool = False) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return f"{cls}.{name}: expected a number, got {value!r}"
    if not math.isfinite(value) or value < 0.0 or (positive and value == 0.0):
        bound = "above 0" if positive else "0 or more"
        return f"{cls}.{name}: must be finite and {bound}, got {value!r}"
    return None


def _common(cls: str, event: Any) -> str | None:
    ts = event.ts_event_ns
    if not isinstance(ts, int) or isinstance(ts, bool) or not INT64_MIN <= ts <= INT64_MAX:
        return f"{cls}.ts_event_ns: expected an int64 nanosecond time, got {ts!r}"
    instrument = event.instrument
    if not isinstance(instrument, str) or not instrument.strip():
        return f"{cls}.instrument: expected a non-empty name, got {instrument!r}"
    return None


def market_data_problem(event: Any, *, allow_nonpositive_prices: bool = False) -> str | None:
    """Why ``event`` (a Bar, Tick or Trade) must not be used, naming the field; else None.

    Other events are not market data and get None.
    """
    kind = type(event)
    fields: tuple[str, ...]
    if kind is Bar:
        fields = ("open", "high", "low", "close")
    elif kind is Tick:
        fields = ("bid", "ask")
    elif kind is Trade:
        fields = ("price",)
    else:
        return None
    cls = kind.__name__
    problem = _common(cls, event)
    for name in fields:
        problem = problem or _price(cls, name, getattr(event, name), allow_nonpositive_prices)
    if problem is not None:
        return problem
    if kind is Bar:
        problem = _amount(cls, "volume", event.volume)
        if problem is None and event.high < event.low:
            problem = f"Bar.high: {event.high!r} is below low {event.low!r}"
        for name in ("open", "close"):
            value = getattr(event, name)
            if problem is None and not event.low <= value <= event.high:
                problem = f"Bar.{name}: {value!r} is outside [{event.low!r}, {event.high!r}]"
        return problem
    if kind is Tick:
        problem = _amount(cls, "bid_size", event.bid_size) or _amount(
            cls, "ask_size", event.ask_size
        )
        if problem is None and event.ask < event.bid:
            problem = f"Tick.ask: {event.ask!r} is below bid {event.bid!r} (crossed quote)"
        return problem
    return _amount(cls, "size", event.size, positive=True)
