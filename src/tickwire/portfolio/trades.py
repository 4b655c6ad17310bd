# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Round trips: from flat to flat (or to a flip), built from fills as they happen."""

from __future__ import annotations

from typing import Protocol

import msgspec

from tickwire.events import Side
from tickwire.portfolio.position import side_of

__all__ = ["BarCounter", "RoundTrip", "RoundTripBuilder"]


class RoundTrip(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One closed round trip in one instrument (immutable): a position opened, then
    closed, with its entry, exit and net result.

    Scaling in or out inside a round trip is folded in: prices are quantity-weighted
    means of the entry and exit fills, and a partial close only ends the round trip once
    the position is flat (or flips, which closes this round trip and opens the next).
    """

    instrument: str
    side: Side
    """BUY for a long round trip, SELL for a short one."""
    quantity: float
    """Total quantity entered (equal to the total exited)."""
    entry_ts_ns: int
    """Time of the first entry fill."""
    entry_price: float
    exit_ts_ns: int
    """Time of the fill that made the position flat."""
    exit_price: float
    gross_pnl: float
    commission: float
    """Commissions of the round trip's fills (a flip's commission is split pro rata)."""
    pnl: float
    """Net PnL: ``gross_pnl - commission``."""
    return_fraction: float
    """Net PnL over the entry notional (``entry_price * quantity``), as a fraction:
    0.05 is a 5 % gain, -0.02 a 2 % loss."""
    bars: int
    """Bars from the entry bar (inclusive) to the exit bar (exclusive); 0 without bars."""

    @property
    def duration_ns(self) -> int:
        """Time from the first entry to the exit, in nanoseconds."""
        return self.exit_ts_ns - self.entry_ts_ns

    @property
    def is_win(self) -> bool:
        """True when the net PnL is positive."""
        return self.pnl > 0.0


class _OpenTrip:
    __slots__ = (
        "bars_before",
        "commission",
        "entry_cost",
        "entry_qty",
        "entry_ts_ns",
        "exit_qty",
        "exit_value",
        "gross_pnl",
        "sign",
    )

    def __init__(self, sign: int, ts_ns: int, bars_before: int) -> None:
        self.sign = sign
        self.entry_ts_ns = ts_ns
        # Bar times already known to be earlier than the entry: where the exact count's
        # search starts when the round trip closes (the times only ever grow at the end).
        self.bars_before = bars_before
        self.entry_qty = 0.0
        self.entry_cost = 0.0
        self.exit_qty = 0.0
        self.exit_value = 0.0
        self.gross_pnl = 0.0
        self.commission = 0.0


class BarCounter(Protocol):
    """Counts the bars (equity points) earlier than a time; an :class:`EquityCurve`."""

    def count_before(self, ts_ns: int, start: int = 0) -> int:
        """How many bar times are earlier than ``ts_ns``, searching from ``start``."""


class RoundTripBuilder:
    """Turns each fill's effect on a position into :class:`RoundTrip` records.

    ``bars`` counts the bars seen so far (their times only grow); it gives each
    round trip's ``bars``. Without it every round trip has ``bars == 0``.
    """

    __slots__ = ("_bars", "_open", "trades")

    def __init__(self, bars: BarCounter | None = None) -> None:
        if bars is not None and not callable(getattr(bars, "count_before", None)):
            kind = type(bars).__name__
            raise TypeError(f"RoundTripBuilder: bars must count bars (an EquityCurve), got {kind}")
        self._open: dict[str, _OpenTrip] = {}
        self._bars = bars
        self.trades: list[RoundTrip] = []
        """Closed round trips, in the order they closed."""

    def on_fill(
        self,
        instrument: str,
        sign: int,
        quantity: float,
        price: float,
        commission: float,
        ts_ns: int,
        *,
        closed: float,
        realized: float,
        new_quantity: float,
    ) -> RoundTrip | None:
        """Record one fill; return the round trip it completed, if any.

        ``closed`` is the quantity the fill closed, ``realized`` the gross PnL that
        realized, and ``new_quantity`` the signed position after the fill.
        """
        # Opened quantity is what the position holds on the fill's side afterwards, so a
        # close within the position's rounding tolerance opens nothing.
        on_fill_side = new_quantity != 0.0 and (new_quantity > 0.0) == (sign > 0)
        opened = quantity - closed if on_fill_side else 0.0
        done: RoundTrip | None = None
        trip = self._open.get(instrument)
        if closed > 0.0 and trip is not None:
            trip.exit_qty += closed
            trip.exit_value += closed * price
            trip.gross_pnl += realized
            trip.commission += commission * (closed / quantity)
            if new_quantity == 0.0 or on_fill_side:
                done = self._close(instrument, trip, ts_ns)
                trip = None
        if opened > 0.0:
            if trip is None:
                bars = self._bars
                before = 0 if bars is None else bars.count_before(ts_ns)
                trip = self._open[instrument] = _OpenTrip(sign, ts_ns, before)
            trip.entry_qty += opened
            trip.entry_cost += opened * price
            trip.commission += commission * (opened / quantity)
        return done

    def _close(self, instrument: str, trip: _OpenTrip, ts_ns: int) -> RoundTrip:
        del self._open[instrument]
        qty = trip.entry_qty
        net = trip.gross_pnl - trip.commission
        bars = self._bars
        # Counting bars strictly before each time makes the count independent of
        # whether a fill is handled before or after its own bar.
        held = 0
        if bars is not None:
            held = bars.count_before(ts_ns) - bars.count_before(trip.entry_ts_ns, trip.bars_before)
        round_trip = RoundTrip(
            instrument=instrument,
            side=side_of(trip.sign),
            quantity=qty,
            entry_ts_ns=trip.entry_ts_ns,
            entry_price=trip.entry_cost / qty,
            exit_ts_ns=ts_ns,
            exit_price=trip.exit_value / trip.exit_qty,
            gross_pnl=trip.gross_pnl,
            commission=trip.commission,
            pnl=net,
            return_fraction=net / trip.entry_cost if trip.entry_cost else 0.0,
            bars=held,
        )
        self.trades.append(round_trip)
        return round_trip
