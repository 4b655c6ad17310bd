"""Strategy parameters and helpers (the runner's wiring is tested with the backtest)."""

from __future__ import annotations

from typing import Any

import pytest

from tickwire.bus import EventBus
from tickwire.events import Bar, CancelOrder, OrderType, Side, Signal, SubmitOrder, TimeInForce
from tickwire.strategy import OrderTerms, Strategy, StrategyError, parameter_values


class Params(Strategy):
    lookback: int = 20
    threshold: float = 0.5
    symbol_hint: str = "X"
    enabled: bool = True
    _private: int = 3


class Account:
    cash = 1000.0
    equity = 1500.0

    def __init__(self) -> None:
        self.held: dict[str, float] = {}

    def quantity(self, instrument: str) -> float:
        return self.held.get(instrument, 0.0)


def test_parameters_are_typed_class_attributes() -> None:
    assert Params.parameters() == {
        "lookback": (int, 20),
        "threshold": (float, 0.5),
        "symbol_hint": (str, "X"),
        "enabled": (bool, True),
    }
    s = Params(lookback=5, threshold=1)
    assert s.params == {"lookback": 5, "threshold": 1.0, "symbol_hint": "X", "enabled": True}
    assert isinstance(s.threshold, float)


def test_string_parameters_are_parsed_and_bad_ones_rejected() -> None:
    assert parameter_values(Params, {"lookback": "7", "enabled": "no"}) == {
        "lookback": 7,
        "enabled": False,
    }
    with pytest.raises(StrategyError, match=r"no parameter 'lookbak'.*lookback"):
        Params(lookbak=3)
    with pytest.raises(StrategyError, match=r"Params.lookback must be int, got 'abc'"):
        Params(lookback="abc")
    with pytest.raises(StrategyError, match="must be int"):
        Params(lookback=2.5)
    with pytest.raises(StrategyError, match="must be int"):
        Params(lookback=True)


def test_helpers_publish_order_requests_with_deterministic_ids() -> None:
    bus = EventBus()
    seen: list[Any] = []
    bus.subscribe_all(seen.append)

    class Trader(Strategy):
        def on_bar(self, bar: Bar) -> None:
            self.buy(10, order_type=OrderType.LIMIT, limit_price=99.0)
            self.sell(5)
            self.cancel("Trader-1")
            self.emit_signal(Side.BUY, bar.close, 3, confidence=0.9)

    account = Account()
    trader = Trader()
    trader.instrument = "AAPL"
    trader.attach(bus, account)
    bus.publish(Bar(ts_event_ns=42, instrument="AAPL", open=1, high=1, low=1, close=100))
    orders = [e for e in seen if isinstance(e, SubmitOrder)]
    assert [(o.order_id, o.side, o.quantity, o.ts_event_ns) for o in orders] == [
        ("Trader-1", Side.BUY, 10, 42),
        ("Trader-2", Side.SELL, 5, 42),
    ]
    assert orders[0].limit_price == 99.0 and orders[0].strategy_name == "Trader"
    assert [e.order_id for e in seen if isinstance(e, CancelOrder)] == ["Trader-1"]
    (signal,) = [e for e in seen if isinstance(e, Signal)]
    assert signal.confidence == 0.9 and signal.instrument == "AAPL"


def test_close_and_account_reads() -> None:
    bus = EventBus()
    orders: list[SubmitOrder] = []
    bus.subscribe(SubmitOrder, orders.append)
    account = Account()
    s = Strategy()
    s.instrument = "X"
    s.attach(bus, account)
    assert s.close() is None
    account.held["X"] = -3
    s.close()
    account.held["X"] = 2
    s.close()
    assert [(o.side, o.quantity) for o in orders] == [(Side.BUY, 3), (Side.SELL, 2)]
    assert (s.cash, s.equity, s.position()) == (1000.0, 1500.0, 2)


def test_unattached_and_ambiguous_instrument_errors() -> None:
    s = Strategy()
    with pytest.raises(StrategyError, match="not attached"):
        s.buy(1, "X")
    s.attach(EventBus(), Account())
    with pytest.raises(StrategyError, match="instrument"):
        s.buy(1)


def test_order_terms_reach_the_request_and_defaults_are_the_requests() -> None:
    bus = EventBus()
    orders: list[SubmitOrder] = []
    bus.subscribe(SubmitOrder, orders.append)
    s = Strategy()
    s.instrument = "X"
    s.attach(bus, Account())
    s.buy(1)
    s.sell(
        2,
        "Y",
        order_type=OrderType.STOP_LIMIT,
        limit_price=9.0,
        stop_price=9.5,
        time_in_force=TimeInForce.DAY,
        take_profit=None,
        stop_loss=12.0,
        signal_id="sig-1",
    )
    plain, terms = orders
    default = SubmitOrder(ts_event_ns=0, instrument="X", side=Side.BUY, quantity=1)
    for name in OrderTerms.__optional_keys__:
        assert getattr(plain, name) == getattr(default, name), name
    assert (terms.instrument, terms.side, terms.quantity) == ("Y", Side.SELL, 2)
    assert (terms.order_type, terms.limit_price, terms.stop_price) == (
        OrderType.STOP_LIMIT,
        9.0,
        9.5,
    )
    assert (terms.time_in_force, terms.take_profit, terms.stop_loss, terms.signal_id) == (
        TimeInForce.DAY,
        None,
        12.0,
        "sig-1",
    )


def test_a_misspelt_order_term_is_refused_not_ignored() -> None:
    bus = EventBus()
    orders: list[SubmitOrder] = []
    bus.subscribe(SubmitOrder, orders.append)
    s = Strategy()
    s.instrument = "X"
    s.attach(bus, Account())
    with pytest.raises(StrategyError, match=r"Strategy\.buy: unknown order term 'limt_price'"):
        s.buy(1, limt_price=99.0)  # type: ignore[call-arg]
    with pytest.raises(StrategyError, match=r"Strategy\.sell: .*terms: limit_price"):
        s.sell(1, order_typ=OrderType.LIMIT)  # type: ignore[call-arg]
    # A field of the request that is not a term cannot be set through the terms either.
    with pytest.raises(StrategyError, match="unknown order term 'side'"):
        s.buy(1, side=Side.SELL)  # type: ignore[call-arg]
    assert orders == []


def test_a_numpy_quantity_is_sent_as_a_float() -> None:
    import numpy as np

    from tickwire.events import SubmitOrder

    bus = EventBus()
    seen: list[SubmitOrder] = []
    bus.subscribe(SubmitOrder, seen.append)
    s = Strategy()
    s.instrument = "X"
    s.attach(bus, Account())
    s.buy(np.int64(5))  # type: ignore[arg-type]
    s.sell(np.float32(2.5))  # type: ignore[arg-type]
    assert [(type(o.quantity), o.quantity) for o in seen] == [(float, 5.0), (float, 2.5)]
