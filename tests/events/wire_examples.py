"""One event of every built-in type, every field given a fixed value, for the wire tests.

The files in ``wire/`` hold these events as earlier versions encoded them; the wire tests
check that they still decode to these events and that today's encoding is the newest
file's. Never change a value here once a file holds it: add an example instead.
"""

from __future__ import annotations

from tickwire.events import (
    Bar,
    CancelOrder,
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    FeedGap,
    FeedState,
    FeedStatus,
    Fill,
    Heartbeat,
    InfoEvent,
    KillSwitch,
    LifecycleEvent,
    LifecycleState,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    PositionChanged,
    Side,
    Signal,
    SubmitOrder,
    Tick,
    TimeInForce,
    TimerEvent,
    Trade,
    WebSocketMessage,
)

__all__ = ["EXAMPLES"]

_TS = {"ts_event_ns": 1_704_164_645_123_456_000, "ts_created_ns": 1_704_164_645_200_000_001}
_SIGNAL_ID = "5d41402abc4b2a76b9719d911017c592"
_ORDER_ID = "7d793037a0760186574b0282f2f435e7"

_ORDER = SubmitOrder(
    **_TS,
    instrument="AAPL",
    side=Side.BUY,
    quantity=100.0,
    order_type=OrderType.LIMIT,
    limit_price=150.25,
    stop_price=None,
    time_in_force=TimeInForce.DAY,
    take_profit=160.0,
    stop_loss=145.5,
    strategy_name="ema_cross",
    signal_id=_SIGNAL_ID,
    order_id=_ORDER_ID,
    id="9e107d9d372bb6826bd81d3542a419d6",
)
_BAR = Bar(
    **_TS,
    instrument="AAPL",
    open=150.0,
    high=152.5,
    low=149.25,
    close=151.75,
    volume=12_345.0,
    interval="1m",
)
_UPDATE = {"order_id": _ORDER_ID, "instrument": "AAPL", "signal_id": _SIGNAL_ID}

EXAMPLES: dict[str, EventBase] = {
    "Tick": Tick(**_TS, instrument="AAPL", bid=150.0, ask=150.05, bid_size=300.0, ask_size=200.0),
    "Trade": Trade(**_TS, instrument="AAPL", price=150.02, size=50.0),
    "Bar": _BAR,
    "Signal": Signal(
        **_TS,
        instrument="AAPL",
        side=Side.SELL,
        trigger_price=151.5,
        quantity=10.0,
        strategy_name="ema_cross",
        confidence=0.75,
        id=_SIGNAL_ID,
    ),
    "SubmitOrder": _ORDER,
    "KillSwitch": KillSwitch(**_TS, engaged=True, reason="daily loss limit"),
    "CancelOrder": CancelOrder(
        **_TS, order_id=_ORDER_ID, instrument="AAPL", id="e4d909c290d0fb1ca068ffaddf22cbd0"
    ),
    "OrderSubmitted": OrderSubmitted(
        **_TS, **_UPDATE, id="0cc175b9c0f1b6a831c399e269772661", order=_ORDER
    ),
    "OrderAccepted": OrderAccepted(**_TS, **_UPDATE, id="92eb5ffee6ae2fec3ad71c777531578f"),
    "OrderRejected": OrderRejected(
        **_TS, **_UPDATE, id="4a8a08f09d37b73795649038408b5f33", reason="not enough cash"
    ),
    "OrderPartiallyFilled": OrderPartiallyFilled(
        **_TS,
        **_UPDATE,
        id="8277e0910d750195b448797616e091ad",
        filled_quantity=40.0,
        remaining_quantity=60.0,
        avg_fill_price=150.2,
    ),
    "OrderFilled": OrderFilled(
        **_TS,
        **_UPDATE,
        id="e1671797c52e15f763380b45e841ec32",
        filled_quantity=100.0,
        avg_fill_price=150.22,
    ),
    "OrderCancelled": OrderCancelled(
        **_TS, **_UPDATE, id="8fa14cdd754f91cc6554c9e71929cce7", reason="end of day"
    ),
    "Fill": Fill(
        **_TS,
        order_id=_ORDER_ID,
        instrument="AAPL",
        side=Side.BUY,
        quantity=60.0,
        price=150.23,
        commission=0.6,
        signal_id=_SIGNAL_ID,
        strategy_name="ema_cross",
        id="b2f5ff47436671b6e533d8dc3614845d",
    ),
    "PositionChanged": PositionChanged(
        **_TS, instrument="AAPL", quantity=-25.0, avg_price=150.22, realized_pnl=-12.5
    ),
    "ErrorEvent": ErrorEvent(
        **_TS,
        component="strategy:ema_cross",
        error="division by zero",
        error_type="ZeroDivisionError",
        original_event=_BAR,
    ),
    "InfoEvent": InfoEvent(**_TS, component="feed", message="connected"),
    "LifecycleEvent": LifecycleEvent(
        **_TS, component="broker", state=LifecycleState.STOPPED, detail="end of data"
    ),
    "Heartbeat": Heartbeat(**_TS, component="feed", sequence=42),
    "Event": Event(
        **_TS,
        type=EventType.MARKET_DATA,
        data={"symbol": "ETH-USD", "price": 3500.25, "levels": [1, 2, 3], "live": True},
        source="exchange_connector",
    ),
    "ErrorEvent of an ErrorEvent": ErrorEvent(
        **_TS,
        component="recorder",
        error="disk full",
        error_type="OSError",
        original_event=ErrorEvent(
            **_TS, component="strategy:ema_cross", error="boom", original_event=_BAR
        ),
    ),
    "ErrorEvent with a raw original": ErrorEvent(
        **_TS, component="feed", error="not JSON", error_type="DecodeError", original_event="{oops"
    ),
    "FeedStatus": FeedStatus(
        **_TS,
        feed="binance",
        url="wss://stream.example/ws",
        state=FeedState.DISCONNECTED,
        attempt=3,
        detail="connection refused",
    ),
    "WebSocketMessage": WebSocketMessage(**_TS, feed="binance", data='{"e":"trade"}'),
    "FeedGap": FeedGap(
        **_TS,
        feed="binance",
        instrument="BTCUSDT",
        stream="kline_1m",
        first_missing=1_704_164_460_000,
        last_missing=1_704_164_580_000,
        missing=3,
    ),
    "TimerEvent": TimerEvent(**_TS, name="rebalance", sequence=7),
    "ErrorEvent with a traceback": ErrorEvent(
        **_TS,
        component="EmaCross.on_bar",
        error="division by zero",
        error_type="ZeroDivisionError",
        original_event=_BAR,
        traceback=(
            "Traceback (most recent call last):\n"
            '  File "strategies/ema.py", line 12, in on_bar\n'
            "    ratio = bar.close / 0\n"
            "ZeroDivisionError: division by zero\n"
        ),
    ),
}
"""Keyed by a name; each built-in type's own name is its example."""
