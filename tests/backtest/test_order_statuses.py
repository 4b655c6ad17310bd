"""The order statuses a result reports are the true ones, the same in both modes."""

from __future__ import annotations

from typing import Any

import pytest

from tickwire.backtest import Backtest
from tickwire.events import Bar, OrderType, TimeInForce
from tickwire.strategy import Strategy

MINUTE_NS = 60 * 1_000_000_000
DAY_NS = 86_400 * 1_000_000_000
T0 = 19_675 * DAY_NS


def bars() -> list[Bar]:
    """Five bars of X; bars 1 and 2 dip to 95, bar 3 opens the next UTC day."""
    lows = [99.0, 95.0, 95.0, 99.0, 99.0]
    times = [T0, T0 + MINUTE_NS, T0 + 2 * MINUTE_NS, T0 + DAY_NS, T0 + DAY_NS + MINUTE_NS]
    return [
        Bar(ts_event_ns=ts, instrument="X", open=100, high=101, low=low, close=100, volume=1_000)
        for ts, low in zip(times, lows, strict=True)
    ]


class EveryOutcome(Strategy):
    """Sends one order per outcome a backtest can give an order, labelled."""

    def on_start(self) -> None:
        self.ids: dict[str, str] = {}
        self.seen = 0

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        ids = self.ids
        limit, ioc = OrderType.LIMIT, TimeInForce.IOC
        if self.seen == 1:
            # Bar 1 allows 100 units (volume cap 0.1), taken in submission order.
            ids["filled"] = self.buy(10)
            ids["bracket"] = self.buy(10, take_profit=103, stop_loss=97)
            ids["ioc"] = self.buy(100, order_type=limit, limit_price=96, time_in_force=ioc)
            ids["cancelled"] = self.buy(10, order_type=limit, limit_price=90)
            ids["day"] = self.buy(
                10, order_type=limit, limit_price=90, time_in_force=TimeInForce.DAY
            )
            ids["working"] = self.buy(10, order_type=limit, limit_price=50)
            ids["broker-rejected"] = self.buy(1, "NOPE")
            ids["risk-rejected"] = self.buy(1_000)
            ids["unprocessable"] = self.buy(10**400)
        elif self.seen == 2:
            self.cancel(ids["cancelled"])
            ids["partial"] = self.buy(300, order_type=limit, limit_price=96)


def statuses(mode: Any) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    strategy = EveryOutcome()
    result = Backtest(
        strategy,
        bars(),
        cash=1_000_000,
        broker={"volume_cap": 0.1},
        risk={"max_order_quantity": 500},
        mode=mode,
    ).run()
    rows = [tuple(row) for row in result.orders_df()[["order_id", "status", "reason"]].values]
    by_id = {order_id: (status, reason) for order_id, status, reason in rows}
    ids = dict(strategy.ids)
    ids["stop-loss leg"] = f"{ids['bracket']}-sl"
    ids["take-profit leg"] = f"{ids['bracket']}-tp"
    return {label: by_id.get(order_id, ("MISSING", "")) for label, order_id in ids.items()}, rows


@pytest.mark.parametrize("mode", ["sync", "threaded"])
def test_every_order_reports_its_true_final_status(mode: str) -> None:
    found, _ = statuses(mode)
    reason_of = {label: reason for label, (_, reason) in found.items()}
    assert {label: status for label, (status, _) in found.items()} == {
        "filled": "FILLED",
        "bracket": "FILLED",
        "stop-loss leg": "FILLED",  # the rest of the entry's bar reached the stop
        "take-profit leg": "CANCELLED",
        "ioc": "CANCELLED",
        "cancelled": "CANCELLED",
        "day": "CANCELLED",
        "working": "ACCEPTED",
        "broker-rejected": "REJECTED",
        "risk-rejected": "REJECTED",
        "unprocessable": "REJECTED",
        "partial": "PARTIALLY_FILLED",
    }
    assert reason_of["ioc"] == "IOC remainder cancelled"
    assert reason_of["cancelled"] == "cancelled on request"
    assert reason_of["day"] == "DAY order expired"
    assert reason_of["take-profit leg"].startswith("OCO: ")
    assert (
        reason_of["broker-rejected"]
        == "unknown instrument 'NOPE' (no bar or quote seen for it yet)"
    )
    assert reason_of["risk-rejected"] == "risk: quantity 1000 exceeds max_order_quantity 500"
    assert reason_of["unprocessable"].startswith("risk: quantity ")


def test_sync_and_threaded_report_the_same_orders_in_the_same_order() -> None:
    sync, sync_rows = statuses("sync")
    threaded, threaded_rows = statuses("threaded")
    assert sync == threaded
    assert sync_rows == threaded_rows


def test_an_order_for_an_unknown_instrument_is_reported_rejected_with_its_reason() -> None:
    class BuyUnknown(Strategy):
        def on_bar(self, bar: Bar) -> None:
            if not hasattr(self, "sent"):
                self.sent = self.buy(1, "NOPE")

    result = Backtest(BuyUnknown, bars()).run()
    assert result.orders_df()[["status", "reason"]].values.tolist() == [
        ["REJECTED", "unknown instrument 'NOPE' (no bar or quote seen for it yet)"]
    ]
