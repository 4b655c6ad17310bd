"""Hand-made bars, a stand-in account and an event recorder for the execution tests."""

from __future__ import annotations

from typing import Any, TypeVar

from tickwire.bus import EventBus
from tickwire.events import (
    Bar,
    ErrorEvent,
    EventBase,
    Fill,
    OrderSubmitted,
    OrderType,
    Side,
    SubmitOrder,
    TimeInForce,
)
from tickwire.execution import SimulatedBroker

__all__ = [
    "DAY_NS",
    "MINUTE_NS",
    "T0",
    "Book",
    "Recorder",
    "Venue",
    "bar",
    "order",
    "submitted",
]

E = TypeVar("E", bound=EventBase)

MINUTE_NS = 60 * 1_000_000_000
DAY_NS = 86_400 * 1_000_000_000
T0 = 19_675 * DAY_NS  # 2023-11-15 00:00 UTC


def bar(
    i: int,
    open: float,
    high: float,
    low: float,
    close: float,
    *,
    volume: float = 1_000.0,
    instrument: str = "X",
    ts: int | None = None,
) -> Bar:
    """Bar number ``i`` (one a minute from T0) unless ``ts`` is given."""
    return Bar(
        ts_event_ns=T0 + i * MINUTE_NS if ts is None else ts,
        instrument=instrument,
        open=open,
        high=high,
        low=low,
        close=close,
        volume=volume,
    )


def order(
    side: Side | str = Side.BUY,
    quantity: float = 10.0,
    *,
    order_id: str = "o1",
    instrument: str = "X",
    order_type: OrderType = OrderType.MARKET,
    limit: float | None = None,
    stop: float | None = None,
    tif: TimeInForce = TimeInForce.GTC,
    take_profit: float | None = None,
    stop_loss: float | None = None,
    ts: int = T0,
) -> SubmitOrder:
    """An order request with test-friendly defaults (a market buy of 10 X)."""
    return SubmitOrder(
        ts_event_ns=ts,
        instrument=instrument,
        side=Side(side),
        quantity=quantity,
        order_type=order_type,
        limit_price=limit,
        stop_price=stop,
        time_in_force=tif,
        take_profit=take_profit,
        stop_loss=stop_loss,
        strategy_name="test",
        signal_id=f"sig-{order_id}",
        order_id=order_id,
        id=order_id,
    )


def submitted(request: SubmitOrder) -> OrderSubmitted:
    """What the risk manager publishes for an approved ``request``."""
    return OrderSubmitted(
        ts_event_ns=request.ts_event_ns,
        order_id=request.order_id,
        instrument=request.instrument,
        signal_id=request.signal_id,
        order=request,
        id=f"{request.order_id}-submitted",
    )


class Book:
    """A stand-in account: cash and positions kept current from Fill events."""

    def __init__(self, cash: float = 1_000_000.0, bus: EventBus | None = None) -> None:
        self.cash = cash
        self.positions: dict[str, float] = {}
        self.marks: dict[str, float] = {}
        if bus is not None:
            bus.subscribe(Fill, self.on_fill, priority=10)
            bus.subscribe(Bar, self.on_bar, priority=10)

    def quantity(self, instrument: str) -> float:
        return self.positions.get(instrument, 0.0)

    @property
    def equity(self) -> float:
        return self.cash + sum(q * self.marks.get(i, 0.0) for i, q in self.positions.items())

    def on_fill(self, fill: Fill) -> None:
        signed = fill.quantity * fill.side.sign
        self.positions[fill.instrument] = self.quantity(fill.instrument) + signed
        self.cash -= signed * fill.price + fill.commission

    def on_bar(self, bar: Bar) -> None:
        self.marks[bar.instrument] = bar.close


class Recorder:
    """Every event published on ``bus``, in delivery order."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Any] = []
        # Recorded before any component handles it, so nested events follow their cause.
        bus.subscribe_all(self.events.append, priority=10**9)

    def of(self, kind: type[E]) -> list[E]:
        """The recorded events of exactly type ``kind``."""
        return [e for e in self.events if type(e) is kind]

    def types(self, *, skip: tuple[type, ...] = (Bar,)) -> list[str]:
        """Names of the recorded event types, bars left out."""
        return [type(e).__name__ for e in self.events if not isinstance(e, skip)]

    def assert_no_errors(self) -> None:
        errors = self.of(ErrorEvent)
        assert not errors, [e.error for e in errors]


class Venue:
    """A real bus with a broker on it, a recorder, and optionally an account."""

    def __init__(self, account: Book | None = None, **options: Any) -> None:
        self.bus = EventBus()
        self.recorder = Recorder(self.bus)
        self.broker = SimulatedBroker(self.bus, account, priority=100, **options)

    def send(self, *requests: SubmitOrder) -> None:
        """Hand approved orders to the broker (as the risk manager would)."""
        for request in requests:
            self.bus.publish(submitted(request))

    def feed(self, *bars: Bar) -> None:
        for item in bars:
            self.bus.publish(item)

    def fills(self) -> list[tuple[str, float, float, int]]:
        """(order id, quantity, price, ts) of every fill so far."""
        return [(f.order_id, f.quantity, f.price, f.ts_event_ns) for f in self.recorder.of(Fill)]

    def reasons(self, kind: type[Any]) -> list[str]:
        return [e.reason for e in self.recorder.of(kind)]
