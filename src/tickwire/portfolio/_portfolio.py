# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The portfolio: positions, cash and equity, kept current from Fill and Bar events."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final, Protocol, cast

from tickwire._floats import is_finite
from tickwire._types import BusLike
from tickwire.events import (
    Bar,
    Fill,
    PositionChanged,
    ReconciliationEvent,
    ReconciliationKind,
    Side,
)
from tickwire.portfolio.equity import EquityCurve
from tickwire.portfolio.position import Position, PositionState, sign_of
from tickwire.portfolio.statistics import Statistics, compute_statistics
from tickwire.portfolio.trades import RoundTrip, RoundTripBuilder

__all__ = ["Portfolio"]

_NO_TIME: Final = -(2**63)
_LARGEST_FLOAT: Final = 1.7976931348623157e308  # sys.float_info.max, inlined by mypyc


class _UntypedTime(Protocol):
    """A bar seen with its time typed ``Any``, to read the very int object it holds.

    The bar handler compares the time as an int and stores it in the equity curve. Read
    through the typed ``Bar``, compiled code unboxes the int to compare it and must box a
    new one to store it: an allocation per bar. Read through this view (a no-op cast),
    the bar's own object is stored; comparing it still unboxes, which allocates nothing.
    """

    ts_event_ns: Any


class _Mark:
    """One instrument's latest price and net quantity, as the bar handler needs them."""

    __slots__ = ("instrument", "last", "quantity")

    def __init__(self, instrument: str, last: float) -> None:
        self.instrument = instrument
        self.last = last
        self.quantity = 0.0


class Portfolio:
    """Net positions, cash, equity, the equity curve and round-trip trades.

    Subscribes to :class:`Fill` (accounting) and :class:`Bar` (marking to market; one
    equity point per distinct bar time, updated by every later bar or fill at that
    time) and publishes :class:`PositionChanged` after each fill. Cash falls by the
    notional of buys and the commission of every fill, and rises by the notional of
    sells; ``equity = cash + sum(quantity * last price)``.

    It is the last line of defence against bad prices from any bar source: it marks
    only at finite prices above 0 (any finite price with ``allow_nonpositive_prices``,
    for instruments that trade at zero or below), keeps the last good mark otherwise,
    and refuses a fill at a price it would not mark at.

    A position the venue already holds when a live session starts (a
    ``ReconciliationEvent`` of kind ``POSITION_ADOPTED``) is taken over as if bought, or
    sold short, at the venue's average price: cash pays for it, so equity is unchanged.

    With ``bus=None`` it subscribes to nothing and publishes nothing: feed it with
    :meth:`on_fill` / :meth:`on_bar` (see :meth:`replay`).
    """

    __slots__ = (
        "_builder",
        "_bus",
        "_last_ts",
        "_marks",
        "_mtm",
        "_open",
        "_positions",
        "_price_floor",
        "_recent",
        "allow_nonpositive_prices",
        "cash",
        "curve",
        "initial_cash",
    )

    def __init__(
        self,
        bus: BusLike | None,
        cash: float,
        *,
        priority: int = 0,
        allow_nonpositive_prices: bool = False,
    ) -> None:
        cash = float(cash)
        if not is_finite(cash):
            raise ValueError(f"Portfolio: cash must be finite, got {cash!r}")
        self.cash = cash
        """Cash after fills and commissions; what the broker's buying-power check reads."""
        self.initial_cash = cash
        self.allow_nonpositive_prices = allow_nonpositive_prices
        """Whether the instruments may trade (and be marked) at zero or below."""
        # A usable price p has floor < p <= the largest float, which NaN and infinities
        # fail: two C comparisons.
        self._price_floor = -math.inf if allow_nonpositive_prices else 0.0
        self.curve = EquityCurve()
        self._positions: dict[str, PositionState] = {}
        # Every instrument with a price, so a bar costs one dict lookup; open ones again
        # in ``_open``, so a fill's recomputation skips the flat ones.
        self._marks: dict[str, _Mark] = {}
        self._open: dict[str, _Mark] = {}
        self._recent: _Mark | None = None  # the latest bar's mark
        # sum(quantity * last price) over open positions, kept incrementally per bar.
        self._mtm = 0.0
        self._last_ts = _NO_TIME
        self._builder = RoundTripBuilder(self.curve)
        self._bus = bus
        if bus is not None:
            bus.subscribe(Fill, self.on_fill, priority=priority)
            bus.subscribe(Bar, self.on_bar, priority=priority)
            bus.subscribe(ReconciliationEvent, self.on_reconciliation, priority=priority)

    @classmethod
    def replay(cls, fills: Iterable[Fill], cash: float) -> Portfolio:
        """Rebuild the state that ``fills`` produce from ``cash`` (event sourcing).

        Positions, cash and trades equal those of a live portfolio that saw the same
        fills; marks come from fill prices, since no bars are replayed.
        """
        portfolio = cls(None, cash)
        for fill in fills:
            portfolio.on_fill(fill)
        return portfolio

    def close(self) -> None:
        """Unsubscribe from the bus."""
        bus = self._bus
        if bus is not None:
            bus.unsubscribe(Fill, self.on_fill)
            bus.unsubscribe(Bar, self.on_bar)
            bus.unsubscribe(ReconciliationEvent, self.on_reconciliation)
            self._bus = None

    # -- event handlers ----------------------------------------------------------------

    def on_bar(self, bar: Bar) -> None:
        """Mark the bar's instrument at its close and record the equity point.

        A close that is no usable price (see the class docstring) leaves the mark as it
        was; the equity point is recorded all the same, then ValueError names the bar.
        """
        close = bar.close
        if not self._price_floor < close <= _LARGEST_FLOAT:
            self._refuse_mark(bar)
            return
        instrument = bar.instrument
        recent = self._recent
        # A feed of one instrument repeats it bar after bar: skip the dict lookup then.
        if recent is not None and recent.instrument == instrument:
            mark = recent
        else:
            mark = self._mark_of(instrument, close)
        held = mark.quantity
        if held:
            self._mtm += held * (close - mark.last)
        mark.last = close
        raw_ts = cast(_UntypedTime, bar).ts_event_ns
        ts: int = raw_ts
        if ts > self._last_ts:
            self._last_ts = ts
            self.curve.append(raw_ts, self.cash + self._mtm)
        elif held:
            # Same time (another instrument's bar, or an out-of-order one): the point
            # holds the state after all of them.
            self.curve.set_last(self.cash + self._mtm)

    def _mark_of(self, instrument: str, price: float) -> _Mark:
        """The instrument's mark (made at ``price`` if it has none), now the recent one."""
        mark = self._marks.get(instrument)
        if mark is None:
            mark = self._marks[instrument] = _Mark(instrument, price)
        self._recent = mark
        return mark

    def _refuse_mark(self, bar: Bar) -> None:
        ts = bar.ts_event_ns
        if ts > self._last_ts:
            self._last_ts = ts
            self.curve.append(ts, self.cash + self._mtm)
        kept = self.last_price(bar.instrument)
        last = "none yet" if kept is None else repr(kept)
        raise ValueError(
            f"Bar {bar.instrument!r} at {ts}: close {self._price_problem(bar.close)}; "
            f"the portfolio keeps its last mark ({last})"
        )

    def _price_problem(self, price: float) -> str:
        if math.isfinite(price):
            return f"must be above 0, got {price!r} (allow_nonpositive_prices=True accepts it)"
        return f"must be finite, got {price!r}"

    def on_fill(self, fill: Fill) -> None:
        """Apply a fill to its position and cash, then publish :class:`PositionChanged`."""
        inst = fill.instrument
        quantity = fill.quantity
        price = fill.price
        commission = fill.commission
        if not (quantity > 0.0 and is_finite(quantity)):
            raise ValueError(f"Fill {fill.id}: quantity must be finite and > 0, got {quantity!r}")
        if not self._price_floor < price <= _LARGEST_FLOAT:
            raise ValueError(f"Fill {fill.id}: price {self._price_problem(price)}")
        if not is_finite(commission):
            raise ValueError(f"Fill {fill.id}: commission must be finite, got {commission!r}")
        try:
            sign = sign_of(fill.side)
        except ValueError as exc:
            raise ValueError(f"Fill {fill.id}: {exc}") from None
        pos = self._positions.get(inst)
        if pos is None:
            pos = self._positions[inst] = PositionState(inst)
        realized_before = pos.realized_pnl
        closed = pos.apply(sign, quantity, price, commission)
        self.cash -= sign * quantity * price + commission
        ts = fill.ts_event_ns
        self._builder.on_fill(
            inst,
            sign,
            quantity,
            price,
            commission,
            ts,
            closed=closed,
            realized=pos.realized_pnl - realized_before,
            new_quantity=pos.quantity,
        )
        # A fill later than every bar seen is the freshest price for its instrument.
        mark = self._marks.get(inst)
        if mark is None:
            mark = self._marks[inst] = _Mark(inst, price)
        elif ts > self._last_ts:
            mark.last = price
        mark.quantity = pos.quantity
        opened = self._open
        if pos.quantity:
            opened[inst] = mark
        else:
            opened.pop(inst, None)
        # Recomputed exactly on each fill, so incremental drift never accumulates long.
        self._mtm = math.fsum([m.quantity * m.last for m in opened.values()])
        # A fill at or before the latest point belongs to it; a later one to the next.
        curve = self.curve
        index = len(curve)
        if index and ts <= self._last_ts:
            index -= 1
            curve.set_last(self.cash + self._mtm)
        curve.set_exposed(bool(opened), index)
        if self._bus is not None:
            self._bus.publish(
                PositionChanged(
                    ts_event_ns=ts,
                    instrument=inst,
                    quantity=pos.quantity,
                    avg_price=pos.avg_price,
                    realized_pnl=pos.realized_pnl,
                )
            )

    def on_reconciliation(self, event: ReconciliationEvent) -> None:
        """Take over a position the venue held when the session started."""
        if event.kind == ReconciliationKind.POSITION_ADOPTED:
            self.adopt(event.instrument, event.quantity, event.avg_price, event.ts_event_ns)

    def adopt(self, instrument: str, quantity: float, avg_price: float, ts_event_ns: int) -> None:
        """Open a position of ``quantity`` (signed) in ``instrument``, which must be flat, at
        ``avg_price``, paid from cash: the start of a session at a venue that holds it."""
        if not is_finite(quantity):
            raise ValueError(f"adopting {instrument}: quantity must be finite, got {quantity!r}")
        held = self.quantity(instrument)
        if held:
            raise ValueError(f"adopting {instrument}: the portfolio already holds {held:g}")
        if quantity:
            side = Side.BUY if quantity > 0 else Side.SELL
            self.on_fill(
                Fill(
                    ts_event_ns=ts_event_ns,
                    order_id="",
                    instrument=instrument,
                    side=side,
                    quantity=abs(quantity),
                    price=avg_price,
                    id=f"adopted-{instrument}",
                )
            )

    # -- queries -----------------------------------------------------------------------

    @property
    def equity(self) -> float:
        """Cash plus every open position marked at its last price."""
        return self.cash + self._mtm

    @property
    def last_ts_ns(self) -> int:
        """The time of the latest bar seen (0 before any): the backtest's clock."""
        return max(self._last_ts, 0)

    def quantity(self, instrument: str) -> float:
        """Signed net quantity in ``instrument`` (0.0 when flat)."""
        mark = self._marks.get(instrument)
        return 0.0 if mark is None else mark.quantity

    def position(self, instrument: str) -> Position:
        """A snapshot of the position in ``instrument`` (all zeros if never traded)."""
        pos = self._positions.get(instrument)
        if pos is None:
            pos = PositionState(instrument)
        return pos.snapshot(self.last_price(instrument) or 0.0)

    def positions(self) -> dict[str, Position]:
        """Snapshots of every instrument ever traded, open or flat."""
        return {i: p.snapshot(self.last_price(i) or 0.0) for i, p in self._positions.items()}

    def last_price(self, instrument: str) -> float | None:
        """The latest mark of ``instrument``, or None before any bar or fill."""
        mark = self._marks.get(instrument)
        return None if mark is None else mark.last

    @property
    def realized_pnl(self) -> float:
        """Gross realized PnL over all instruments (before commissions)."""
        return math.fsum(p.realized_pnl for p in self._positions.values())

    @property
    def unrealized_pnl(self) -> float:
        """PnL of the open positions at their last prices."""
        marks = self._marks
        return math.fsum(
            p.quantity * (marks[i].last - p.avg_price)
            for i, p in self._positions.items()
            if p.quantity
        )

    @property
    def commission(self) -> float:
        """Commissions paid over all instruments."""
        return math.fsum(p.commission for p in self._positions.values())

    @property
    def trades(self) -> list[RoundTrip]:
        """Closed round trips, in the order they closed (the live list: do not mutate)."""
        return self._builder.trades

    def statistics(self, *, periods_per_year: float | None = None) -> Statistics:
        """Performance statistics of the equity curve and trades so far."""
        curve = self.curve
        # The columns lent, not copied (16 bytes a bar); the views go with the call.
        return compute_statistics(
            curve.timestamps_view(),
            curve.equity_view(),
            self._builder.trades,
            exposed=curve.exposed(),
            initial_equity=self.initial_cash,
            periods_per_year=periods_per_year,
        )
