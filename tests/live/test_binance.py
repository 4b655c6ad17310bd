"""Binance spot stream messages, written from Binance's "Web Socket Streams" documentation."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import msgspec
import pytest

from tickwire import DecodeError
from tickwire.events import Bar, Tick, Trade
from tickwire.live import BinanceFormat, Parsed
from tickwire.live.binance import interval_ms

MS = 1_000_000

TRADE = {
    "e": "trade", "E": 1672515782136, "s": "BNBBTC", "t": 12345, "p": "0.001", "q": "100",
    "T": 1672515782136, "m": True, "M": True,
}  # fmt: skip
AGG_TRADE = {
    "e": "aggTrade", "E": 1672515782136, "s": "BNBBTC", "a": 12345, "p": "0.001", "q": "100",
    "f": 100, "l": 105, "T": 1672515782136, "m": True, "M": True,
}  # fmt: skip


def kline(open_ms: int, closed: bool = True, interval: str = "1m") -> dict[str, object]:
    return {
        "e": "kline", "E": open_ms + 59_999, "s": "BNBBTC",
        "k": {
            "t": open_ms, "T": open_ms + 59_999, "s": "BNBBTC", "i": interval, "f": 100,
            "L": 200, "o": "0.0010", "c": "0.0020", "h": "0.0025", "l": "0.0005",
            "v": "1000", "n": 100, "x": closed, "q": "1.0000", "V": "500", "Q": "0.500",
            "B": "123456",
        },
    }  # fmt: skip


BOOK = {"u": 400900217, "s": "BNBUSDT", "b": "25.35190000", "B": "31.21000000",
        "a": "25.36520000", "A": "40.66000000"}  # fmt: skip


def parse(message: object) -> list[object]:
    return [item.event for item in BinanceFormat().parse(json.dumps(message))]


def test_a_trade_is_a_trade_numbered_by_its_trade_id() -> None:
    (item,) = BinanceFormat().parse(json.dumps(TRADE))
    assert item.event == Trade(
        ts_event_ns=1672515782136 * MS,
        ts_created_ns=item.event.ts_created_ns,
        instrument="BNBBTC",
        price=0.001,
        size=100.0,
    )
    assert (item.instrument, item.stream, item.seq, item.step) == ("BNBBTC", "trade", 12345, 1)
    (agg,) = BinanceFormat().parse(json.dumps(AGG_TRADE))
    assert (agg.stream, agg.seq, agg.step) == ("aggTrade", 12345, 1)


def test_a_kline_is_a_bar_only_once_closed_stamped_with_its_open_time() -> None:
    assert parse(kline(1672515780000, closed=False)) == []
    (item,) = BinanceFormat().parse(json.dumps(kline(1672515780000)))
    bar = item.event
    assert isinstance(bar, Bar)
    assert (bar.ts_event_ns, bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        1672515780000 * MS, 0.001, 0.0025, 0.0005, 0.002, 1000.0,
    )  # fmt: skip
    assert (bar.instrument, bar.interval) == ("BNBBTC", "1m")
    assert (item.stream, item.seq, item.step) == ("kline_1m", 1672515780000, 60_000)


def test_a_book_ticker_is_a_tick_numbered_by_a_growing_update_id() -> None:
    (item,) = BinanceFormat().parse(json.dumps(BOOK))
    tick = item.event
    assert isinstance(tick, Tick)
    assert (tick.bid, tick.bid_size, tick.ask, tick.ask_size) == (25.3519, 31.21, 25.3652, 40.66)
    assert (item.stream, item.seq, item.step) == ("bookTicker", 400900217, 0)


def test_combined_streams_unwrap_and_answers_carry_no_event() -> None:
    combined = {"stream": "bnbbtc@trade", "data": TRADE}
    assert [type(e) for e in parse(combined)] == [Trade]
    assert parse({"result": None, "id": 1}) == []


def test_subscribing_sends_the_documented_request_with_growing_ids() -> None:
    fmt = BinanceFormat()
    first = json.loads(fmt.subscribe_messages(["btcusdt@aggTrade", "btcusdt@depth"])[0])
    assert first == {
        "method": "SUBSCRIBE",
        "params": ["btcusdt@aggTrade", "btcusdt@depth"],
        "id": 1,
    }
    assert json.loads(fmt.subscribe_messages(["x@trade"])[0])["id"] == 2
    assert fmt.subscribe_messages([]) == []


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ("{not json", "binance message"),
        ({**TRADE, "p": "NaN"}, "Trade.price"),
        ({**TRADE, "p": "-1"}, "Trade.price"),
        ({**TRADE, "t": 2**70}, "binance message"),
        ({**TRADE, "q": "lots"}, "binance message"),
        ({"e": "depthUpdate", "s": "X"}, "binance message"),
        ({"stream": "x@trade", "data": "oops"}, "binance message"),
        ({"stream": 5, "data": {}}, "combined stream message"),
        ({"error": {"code": 2, "msg": "Invalid request"}, "id": 3}, "refused request 3"),
        ({"hello": "world"}, "not a trade"),
        (kline(0, interval="7x"), "kline interval '7x'"),
        ({**BOOK, "b": "26", "a": "25"}, "crossed quote"),
        ({**TRADE, "q": "0"}, "Trade.size"),
        ({**TRADE, "p": "Infinity"}, "Trade.price"),
        ({**TRADE, "s": "  "}, "Trade.instrument"),
        ({**TRADE, "s": ""}, "Trade.instrument"),
        ({k: v for k, v in TRADE.items() if k != "p"}, "missing required field `p`"),
        ({**AGG_TRADE, "p": "nan"}, "Trade.price"),
        ({**BOOK, "b": "NaN"}, "Tick.bid"),
        ({**BOOK, "A": "-1"}, "Tick.ask_size"),
        ({k: v for k, v in BOOK.items() if k != "a"}, "missing required field `a`"),
        ({"stream": "x@depth", "data": {"e": "depthUpdate", "s": "X"}}, "binance message"),
    ],
)
def test_bad_messages_are_refused_naming_what_is_wrong(message: object, why: str) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    with pytest.raises(DecodeError, match=why):
        BinanceFormat().parse(text)


def test_intervals_in_milliseconds() -> None:
    assert [interval_ms(i) for i in ("1s", "1m", "15m", "4h", "1d", "1w", "1M")] == [
        1_000, 60_000, 900_000, 14_400_000, 86_400_000, 604_800_000, 0,
    ]  # fmt: skip


def _variants() -> list[str]:
    """Good messages and one-field changes of them, good and bad, of every kind parsed."""
    values: list[object] = ["1", "0", "-1", "NaN", "inf", "1e400", "", " ", "x", 5, None, 2**64]
    bases = [TRADE, AGG_TRADE, BOOK, kline(1672515780000)]
    messages = [json.dumps(base) for base in bases]
    for base in bases:
        for field in base:
            if field == "e":
                continue
            messages.append(json.dumps({k: v for k, v in base.items() if k != field}))
            messages.extend(json.dumps({**base, field: value}) for value in values)
    messages.append(json.dumps({**BOOK, "b": "25.3652"}))  # bid equal to the ask: allowed
    return messages + [json.dumps({"stream": "s", "data": json.loads(m)}) for m in messages[:40]]


def _outcome(parse: Callable[[str], Sequence[Parsed]], message: str) -> object:
    try:
        items = parse(message)
    except DecodeError as exc:
        return str(exc)
    return [(type(i.event), i.instrument, i.stream, i.seq, i.step) for i in items] + [
        {
            f: v
            for f, v in msgspec.structs.asdict(i.event).items()
            if f != "ts_created_ns" and not (f == "ts_event_ns" and isinstance(i.event, Tick))
        }  # a tick is stamped when it arrives
        for i in items
    ]


@pytest.mark.parametrize("message", _variants())
def test_the_checked_decode_accepts_exactly_what_the_explained_one_does(message: str) -> None:
    fmt = BinanceFormat()
    assert _outcome(fmt.parse, message) == _outcome(fmt.explain, message)


def test_events_of_a_symbol_share_one_name_string() -> None:
    fmt = BinanceFormat()
    first, second = (fmt.parse(json.dumps({**TRADE, "t": n}))[0] for n in (1, 2))
    assert first.instrument == "BNBBTC" and first.instrument is second.instrument
    assert first.event.get_symbol() is second.event.get_symbol()
