"""Pre-trade risk checks, the kill switch and the circuit breaker in the risk manager."""

from __future__ import annotations

import pytest

from tests.execution.helpers import MINUTE_NS, T0, Book, Recorder, bar, order
from tickwire.bus import EventBus
from tickwire.events import (
    Fill,
    KillSwitch,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    SubmitOrder,
    decode,
    encode,
)
from tickwire.execution import BreakerState, RiskManager, SimulatedBroker


class Desk:
    """A bus with a risk manager (and optionally a broker) and a recorder."""

    def __init__(self, account: Book | None = None, broker: bool = False, **limits: object):
        self.bus = EventBus()
        self.recorder = Recorder(self.bus)
        self.account = account
        if broker:
            SimulatedBroker(self.bus, account, priority=100)
        self.risk = RiskManager(self.bus, account, **limits)  # type: ignore[arg-type]

    def send(self, *requests: SubmitOrder) -> None:
        for request in requests:
            self.bus.publish(request)

    def approved(self) -> list[str]:
        return [e.order_id for e in self.recorder.of(OrderSubmitted)]

    def denied(self) -> list[tuple[str, str]]:
        return [
            (e.order_id, e.reason)
            for e in self.recorder.of(OrderRejected)
            if e.reason.startswith("risk:")
        ]

    def finish(self, order_id: str, kind: type = OrderFilled) -> None:
        self.bus.publish(kind(ts_event_ns=T0, order_id=order_id, instrument="X"))


def test_without_limits_every_order_passes_through_unchanged() -> None:
    desk = Desk()
    request = order(order_type=OrderType.LIMIT, limit=1.0)
    desk.send(request)
    [event] = desk.recorder.of(OrderSubmitted)
    assert event.order is request
    assert (event.order_id, event.signal_id, event.id) == ("o1", "sig-o1", "o1-submitted")


def test_max_order_quantity() -> None:
    desk = Desk(max_order_quantity=10)
    desk.send(order(quantity=10, order_id="a"), order(quantity=10.5, order_id="b"))
    assert desk.approved() == ["a"]
    assert desk.denied() == [("b", "risk: quantity 10.5 exceeds max_order_quantity 10")]
    assert desk.recorder.of(OrderRejected)[0].id == "b-risk-rejected"


def test_max_notional_uses_the_limit_price_then_the_last_close() -> None:
    desk = Desk(max_notional=1_000)
    desk.send(order(quantity=10, order_id="a"))  # market, no price seen yet
    desk.bus.publish(bar(0, 100, 101, 99, 100))
    desk.send(
        order(quantity=10, order_id="b"),
        order(quantity=11, order_id="c"),
        order(quantity=11, order_id="d", order_type=OrderType.LIMIT, limit=90),
        order(quantity=11, order_id="e", order_type=OrderType.STOP, stop=95),
    )
    assert desk.approved() == ["b", "d"]
    assert desk.denied() == [
        ("a", "risk: no price known for 'X' to check max_notional"),
        ("c", "risk: notional 1100 exceeds max_notional 1000"),
        ("e", "risk: notional 1045 exceeds max_notional 1000"),
    ]


def test_max_position_counts_the_position_and_open_orders() -> None:
    book = Book()
    book.positions["X"] = 60.0
    desk = Desk(book, max_position=100)
    desk.send(order(quantity=30, order_id="a"), order(quantity=20, order_id="b"))
    assert desk.approved() == ["a"]
    assert desk.denied() == [
        ("b", "risk: position in 'X' would reach 110, beyond max_position 100")
    ]
    desk.send(order("SELL", quantity=200, order_id="c"))  # -> -110
    assert desk.approved() == ["a"]


def test_max_position_allows_orders_that_reduce_exposure() -> None:
    book = Book()
    book.positions["X"] = 150.0  # already beyond the limit
    desk = Desk(book, max_position=100)
    desk.send(order("SELL", quantity=10, order_id="a"), order(quantity=1, order_id="b"))
    assert desk.approved() == ["a"]


def test_max_position_moves_fills_from_orders_into_the_position() -> None:
    book = Book()
    desk = Desk(book, max_position=100)
    desk.send(order(quantity=80, order_id="a"))
    desk.bus.publish(
        Fill(ts_event_ns=T0, order_id="a", instrument="X", side=order().side, quantity=50, price=1)
    )
    book.positions["X"] = 50.0
    desk.send(order(quantity=20, order_id="b"))  # 50 held + 30 open + 20 = 100
    desk.send(order(quantity=1, order_id="c"))
    assert desk.approved() == ["a", "b"]


def test_max_position_needs_an_account() -> None:
    with pytest.raises(ValueError, match="max_position needs an account"):
        RiskManager(EventBus(), max_position=5)


def test_max_open_orders_frees_a_slot_when_an_order_finishes() -> None:
    desk = Desk(max_open_orders=2)
    desk.send(order(order_id="a"), order(order_id="b"), order(order_id="c"))
    assert desk.denied() == [("c", "risk: 2 open orders, max_open_orders is 2")]
    desk.finish("a")
    desk.send(order(order_id="d"), order(order_id="e"))
    assert desk.approved() == ["a", "b", "d"]
    desk.finish("b", OrderCancelled)
    desk.send(order(order_id="f"))
    assert desk.approved() == ["a", "b", "d", "f"]
    assert desk.risk.open_orders == 2


def test_bracket_legs_accepted_by_the_broker_count_as_open_orders() -> None:
    desk = Desk(max_open_orders=3)
    desk.send(order(order_id="a"))
    for leg in ("a-sl", "a-tp"):
        desk.bus.publish(OrderAccepted(ts_event_ns=T0, order_id=leg, instrument="X"))
    assert desk.risk.open_orders == 3
    desk.send(order(order_id="b"))
    assert desk.denied() == [("b", "risk: 3 open orders, max_open_orders is 3")]


def test_order_rate_limit_in_event_time() -> None:
    desk = Desk(max_orders_per_window=2, rate_window_ns=MINUTE_NS)
    second = 1_000_000_000
    desk.send(
        order(order_id="a", ts=T0),
        order(order_id="b", ts=T0 + 10 * second),
        order(order_id="c", ts=T0 + 59 * second),
        order(order_id="d", ts=T0 + 60 * second),  # a has left the window
        order(order_id="e", ts=T0 + 61 * second),
    )
    assert desk.approved() == ["a", "b", "d"]
    assert [o for o, _ in desk.denied()] == ["c", "e"]
    assert "max_orders_per_window is 2" in desk.denied()[0][1]


def test_duplicate_open_order_id_is_denied() -> None:
    desk = Desk()
    desk.send(order(order_id="a"), order(order_id="a"))
    assert desk.denied() == [("a", "risk: duplicate order id 'a' (still open)")]
    assert desk.risk.open_orders == 1  # the denial did not forget the original


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_order_quantity", 0),
        ("max_notional", -1),
        ("max_open_orders", 0),
        ("max_orders_per_window", 0),
        ("rate_window_ns", 0),
    ],
)
def test_bad_limits(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=name):
        RiskManager(EventBus(), **{name: value})  # type: ignore[arg-type]


def subscriptions(**limits: object) -> list[str]:
    names: list[str] = []

    class Spy:
        def subscribe(self, event_type: type, handler: object, *, priority: int = 0) -> None:
            names.append(event_type.__name__)

        def publish(self, event: object) -> None:
            raise AssertionError("nothing to publish")

    RiskManager(Spy(), Book(), **limits)  # type: ignore[arg-type]
    return names


def test_bars_and_fills_are_followed_only_when_a_limit_needs_them() -> None:
    assert "Bar" not in subscriptions() and "Fill" not in subscriptions()
    assert "Bar" in subscriptions(max_notional=1.0)
    assert "Fill" in subscriptions(max_position=1.0)


# -- kill switch ---------------------------------------------------------------------------


def test_kill_switch_method_halts_and_resumes() -> None:
    desk = Desk()
    desk.risk.halt("manual stop")
    assert desk.risk.halted
    desk.send(order(order_id="a"))
    desk.risk.resume()
    desk.send(order(order_id="b"))
    assert desk.denied() == [("a", "risk: kill switch engaged (manual stop)")]
    assert desk.approved() == ["b"]


def test_kill_switch_event_halts_and_resumes() -> None:
    desk = Desk()
    desk.bus.publish(KillSwitch(ts_event_ns=T0, reason="drawdown"))
    desk.send(order(order_id="a"))
    desk.bus.publish(KillSwitch(ts_event_ns=T0, engaged=False))
    desk.send(order(order_id="b"))
    assert desk.denied() == [("a", "risk: kill switch engaged (drawdown)")]
    assert desk.approved() == ["b"]


# -- circuit breaker -------------------------------------------------------------------------


def broker_fails(desk: Desk, order_id: str, ts: int) -> None:
    """An order for an instrument the broker has never seen: the broker rejects it."""
    desk.send(order(order_id=order_id, instrument="NOPE", ts=ts))


def test_circuit_breaker_opens_after_consecutive_broker_rejections() -> None:
    desk = Desk(broker=True, breaker_threshold=2, breaker_cooldown_ns=10 * MINUTE_NS)
    desk.bus.publish(bar(0, 100, 101, 99, 100))
    broker_fails(desk, "a", T0)
    broker_fails(desk, "b", T0)
    breaker = desk.risk.circuit_breaker
    assert breaker is not None and breaker.state is BreakerState.OPEN
    desk.send(order(order_id="c", ts=T0 + MINUTE_NS))  # would be fine, but the breaker is open
    assert desk.denied() == [("c", "risk: circuit breaker open")]
    assert desk.approved() == ["a", "b"]


def test_circuit_breaker_trial_success_closes() -> None:
    desk = Desk(broker=True, breaker_threshold=1, breaker_cooldown_ns=10 * MINUTE_NS)
    desk.bus.publish(bar(0, 100, 101, 99, 100))
    broker_fails(desk, "a", T0)
    later = T0 + 10 * MINUTE_NS  # cool-down measured in event time
    desk.send(order(order_id="trial", ts=later))
    breaker = desk.risk.circuit_breaker
    assert breaker is not None and breaker.state is BreakerState.CLOSED
    desk.send(order(order_id="next", ts=later))
    assert desk.approved() == ["a", "trial", "next"]


def test_circuit_breaker_trial_failure_reopens() -> None:
    desk = Desk(broker=True, breaker_threshold=1, breaker_cooldown_ns=10 * MINUTE_NS)
    desk.bus.publish(bar(0, 100, 101, 99, 100))
    broker_fails(desk, "a", T0)
    broker_fails(desk, "trial", T0 + 10 * MINUTE_NS)
    desk.send(order(order_id="c", ts=T0 + 15 * MINUTE_NS))
    desk.send(order(order_id="d", ts=T0 + 20 * MINUTE_NS))
    assert desk.approved() == ["a", "trial", "d"]
    assert desk.denied() == [("c", "risk: circuit breaker open")]


def test_half_open_breaker_allows_only_one_trial_in_flight() -> None:
    clock = [0]
    desk = Desk(breaker_threshold=1, breaker_cooldown_ns=5, clock=lambda: clock[0])
    desk.send(order(order_id="a"))
    desk.bus.publish(OrderRejected(ts_event_ns=T0, order_id="a", instrument="X", reason="down"))
    clock[0] = 5
    desk.send(order(order_id="trial"), order(order_id="other"))  # no broker answers yet
    assert desk.approved() == ["a", "trial"]
    assert desk.denied() == [("other", "risk: circuit breaker half_open")]


def test_the_risk_managers_own_denials_are_not_broker_failures() -> None:
    desk = Desk(broker=True, max_order_quantity=1, breaker_threshold=1)
    desk.bus.publish(bar(0, 100, 101, 99, 100))
    desk.send(order(quantity=5, order_id="a"), order(quantity=1, order_id="b"))
    breaker = desk.risk.circuit_breaker
    assert breaker is not None and breaker.state is BreakerState.CLOSED
    assert desk.approved() == ["b"]


def test_kill_switch_event_round_trips_through_the_codec() -> None:
    event = KillSwitch(ts_event_ns=T0, engaged=False, reason="ops")
    assert decode(encode(event)) == event
