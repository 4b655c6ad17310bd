"""The whole execution flow on the real bus: signal, risk, broker, fills."""

from __future__ import annotations

from tests.execution.helpers import Book, Recorder, bar
from tickwire.bus import EventBus
from tickwire.events import Bar, Fill, OrderFilled, OrderRejected, Side, Signal
from tickwire.execution import FixedQuantity, RiskManager, SignalExecutor, SimulatedBroker


def test_a_signal_on_bar_t_fills_at_the_open_of_bar_t_plus_one() -> None:
    bus = EventBus()
    recorder = Recorder(bus)
    book = Book(cash=10_000.0, bus=bus)
    SimulatedBroker(bus, book, priority=100)
    RiskManager(bus, book, max_order_quantity=50)
    SignalExecutor(bus, FixedQuantity(20))
    emitted: list[Signal] = []

    def strategy(b: Bar) -> None:
        if b.close > 100 and not emitted:
            emitted.append(
                Signal(
                    ts_event_ns=b.ts_event_ns,
                    instrument=b.instrument,
                    side=Side.BUY,
                    trigger_price=b.close,
                    strategy_name="s",
                    id="sig-1",
                )
            )
            bus.publish(emitted[0])
            bus.publish(emitted[0])  # a duplicate delivery

    bus.subscribe(Bar, strategy)
    for item in (
        bar(0, 100, 101, 99, 100),
        bar(1, 100, 102, 99, 101),
        bar(2, 103, 104, 102, 103),
        bar(3, 104, 105, 103, 104),
    ):
        bus.publish(item)

    recorder.assert_no_errors()
    assert recorder.of(OrderRejected) == []
    assert [(f.order_id, f.quantity, f.price, f.ts_event_ns) for f in recorder.of(Fill)] == [
        ("sig-1-O", 20.0, 103.0, bar(2, 0, 0, 0, 0).ts_event_ns)
    ]
    assert [f.signal_id for f in recorder.of(OrderFilled)] == ["sig-1"]
    assert book.quantity("X") == 20.0 and book.cash == 10_000.0 - 20 * 103.0
    assert recorder.types()[:4] == ["Signal", "SubmitOrder", "OrderSubmitted", "OrderAccepted"]
