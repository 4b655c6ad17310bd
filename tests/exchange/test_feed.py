"""The exchange's feed read by tickwire.live's own clients, in both formats, unchanged."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tickwire.bus import EventBus
from tickwire.data import read_bars, read_ticks, sample_data_paths
from tickwire.events import Bar, ErrorEvent, FeedGap, Tick
from tickwire.exchange import Exchange, load_market_data
from tickwire.live import BinanceFormat, WebSocketFeed

from .client import OrderClient
from .conftest import run, sample_exchange, write_bars


def _key(bar: Bar) -> tuple[int, str, float, float, float, float, float]:
    return (bar.ts_event_ns, bar.instrument, bar.open, bar.high, bar.low, bar.close, bar.volume)


def _collect(bus: EventBus, kind: type) -> list:
    events: list = []
    bus.subscribe(kind, events.append)
    return events


async def _read_all(exchange: Exchange, feed: WebSocketFeed, expected: int, events: list) -> None:
    """Wait until ``expected`` events arrived (the replay ends with them)."""
    await exchange.replay_finished.wait()
    while len(events) < expected:
        await asyncio.sleep(0.01)  # the last frames are still on the socket
    await feed.stop()


def test_a_default_tickwire_feed_sees_the_whole_file_in_order() -> None:
    expected = [_key(bar) for bar in read_bars(sample_data_paths())]

    async def main() -> tuple[list[Bar], list[FeedGap], WebSocketFeed]:
        exchange = sample_exchange()
        await exchange.start()
        bus = EventBus()
        bars, gaps = _collect(bus, Bar), _collect(bus, FeedGap)
        feed = WebSocketFeed("exchange", exchange.url, bus)  # every setting its default
        await feed.start()
        await asyncio.wait_for(_read_all(exchange, feed, len(expected), bars), 30)
        await exchange.stop()
        return bars, gaps, feed

    bars, gaps, feed = run(main)
    assert [_key(bar) for bar in bars] == expected
    assert gaps == []
    assert feed.stats().duplicates == 0 and feed.stats().rejected == 0


def test_binance_combined_klines_are_stamped_with_the_open_time() -> None:
    expected = [_key(bar) for bar in read_bars(sample_data_paths())]
    streams = "acme@kline_1d/globex@kline_1d"

    async def main() -> tuple[list[Bar], list[FeedGap]]:
        exchange = sample_exchange()
        await exchange.start()
        bus = EventBus()
        bars, gaps = _collect(bus, Bar), _collect(bus, FeedGap)
        url = f"{exchange.url}/stream?streams={streams}"
        feed = WebSocketFeed("binance", url, bus, format=BinanceFormat())
        await feed.start()
        await asyncio.wait_for(_read_all(exchange, feed, len(expected), bars), 30)
        await exchange.stop()
        return bars, gaps

    bars, gaps = run(main)
    assert [_key(bar) for bar in bars] == expected
    assert {bar.interval for bar in bars} == {"1d"}
    assert gaps == []


def test_binance_subscribe_starts_the_replay_and_gets_only_its_streams() -> None:
    expected = [_key(bar) for bar in read_bars(sample_data_paths()) if bar.instrument == "GLOBEX"]

    async def main() -> tuple[list[Bar], list[ErrorEvent], int]:
        exchange = sample_exchange(format="binance")
        await exchange.start()
        orders = await OrderClient.open(exchange.url)
        await orders.request("balances")  # an order connection does not start the replay
        replayed_before = exchange.counters.total
        bus = EventBus()
        bars, errors = _collect(bus, Bar), _collect(bus, ErrorEvent)
        feed = WebSocketFeed(
            "binance", exchange.url, bus, format=BinanceFormat(), streams=["globex@kline_1d"]
        )
        await feed.start()
        await asyncio.wait_for(_read_all(exchange, feed, len(expected), bars), 30)
        await orders.close()
        await exchange.stop()
        return bars, errors, replayed_before

    bars, errors, replayed_before = run(main)
    assert replayed_before == 0
    assert [_key(bar) for bar in bars] == expected
    assert errors == []


def test_a_subscription_to_an_unknown_stream_is_refused_with_the_reason() -> None:
    async def main() -> list[ErrorEvent]:
        exchange = sample_exchange(format="binance")
        await exchange.start()
        bus = EventBus()
        errors = _collect(bus, ErrorEvent)
        feed = WebSocketFeed(
            "binance", exchange.url, bus, format=BinanceFormat(), streams=["nope@kline_1d"]
        )
        await feed.start()
        while not errors:
            await asyncio.sleep(0.01)
        await feed.stop()
        await exchange.stop()
        return errors

    errors = run(main)
    assert "unknown symbol 'nope'" in errors[0].error


def test_quotes_replay_as_ticks_and_book_tickers(tmp_path: Path) -> None:
    quotes = tmp_path / "FX.csv"
    rows = [
        f"2024-01-01T00:00:{s:02d}Z,{1.1 + s / 1000},{1.1 + s / 1000 + 0.0002},5,7"
        for s in range(30)
    ]
    quotes.write_text("ts,bid,ask,bid_size,ask_size\n" + "\n".join(rows) + "\n")
    expected = [(t.bid, t.ask, t.bid_size, t.ask_size) for t in read_ticks(quotes)]

    async def read(url_path: str, format: BinanceFormat | None) -> list[Tick]:
        exchange = Exchange(load_market_data([quotes]), speed=0.0)
        await exchange.start()
        bus = EventBus()
        ticks = _collect(bus, Tick)
        feed = WebSocketFeed("quotes", exchange.url + url_path, bus, format=format)
        await feed.start()
        await asyncio.wait_for(_read_all(exchange, feed, len(expected), ticks), 30)
        await exchange.stop()
        return ticks

    async def main() -> tuple[list[Tick], list[Tick]]:
        return await read("", None), await read("/ws/fx@bookTicker", BinanceFormat())

    own, book = run(main)
    assert [(t.bid, t.ask, t.bid_size, t.ask_size) for t in own] == expected
    assert [(t.bid, t.ask, t.bid_size, t.ask_size) for t in book] == expected
    assert [t.ts_event_ns for t in own] == [t.ts_event_ns for t in read_ticks(quotes)]


def test_the_replay_is_paced_by_the_data_time_divided_by_speed(tmp_path: Path) -> None:
    data = write_bars(tmp_path / "ACME.csv", [100.0 + n for n in range(6)])
    seconds_per_bar = 0.1
    speed = 86_400 / seconds_per_bar  # daily bars, one every 0.1 s

    async def main() -> tuple[float, list[float]]:
        exchange = Exchange(load_market_data([data]), speed=speed)
        await exchange.start()
        bus = EventBus()
        arrivals: list[float] = []
        bus.subscribe(Bar, lambda bar: arrivals.append(time.monotonic()))
        feed = WebSocketFeed("paced", exchange.url, bus)
        subscribed = time.monotonic()  # the replay's clock starts after this
        await feed.start()
        await asyncio.wait_for(_read_all(exchange, feed, 6, arrivals), 30)
        await exchange.stop()
        return subscribed, arrivals

    subscribed, arrivals = run(main)
    # A lower bound only (a loaded machine may be slower, never faster than the pacing):
    # the sixth bar is due five bar-lengths after the first, which is due at subscription.
    assert len(arrivals) == 6
    assert arrivals[-1] - subscribed >= 5 * seconds_per_bar
