"""WebSocketFeed against real websocket servers on loopback: drops, restarts, silence."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from tickwire.bus import EventBus
from tickwire.events import (
    Bar,
    ErrorEvent,
    FeedGap,
    FeedState,
    FeedStatus,
    Tick,
    Trade,
    WebSocketMessage,
    encode_json,
)
from tickwire.live import Backoff, BinanceFormat, FeedError, WebSocketFeed

from .server import FeedServer, first_request

MINUTE = 60 * 1_000_000_000
FAST = Backoff(initial=0.01, factor=2, cap=0.05)


def bar(n: int) -> Bar:
    return Bar(
        ts_event_ns=n * MINUTE, ts_created_ns=0, instrument="ACME",
        open=100 + n, high=101 + n, low=99 + n, close=100.5 + n, volume=n, interval="1m",
    )  # fmt: skip


def numbered(n: int) -> str:
    return f'{{"seq": {n}, "event": {encode_json(bar(n)).decode()}}}'


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(main(), 60))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_messages_become_events_and_bad_ones_dead_letters() -> None:
    messages = [encode_json(bar(n)).decode() for n in range(5)]
    messages.insert(2, '{"_type":"Bar","open":"not a number"}')

    async def session(connection: ServerConnection, number: int) -> None:
        for message in messages:
            await connection.send(message)

    async def main() -> tuple[list[Bar], list[ErrorEvent], EventBus, WebSocketFeed]:
        bus = EventBus()
        bars: list[Bar] = []
        errors: list[ErrorEvent] = []

        async def on_bar(event: Bar) -> None:
            bars.append(event)

        bus.register_async(Bar, on_bar)
        bus.subscribe(ErrorEvent, errors.append)
        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed("feed", server.url, bus, reconnect=False)
        await feed.start()
        await feed.wait_closed()
        await server.stop()
        return bars, errors, bus, feed

    bars, errors, bus, feed = run(main)
    assert [b.ts_event_ns for b in bars] == [n * MINUTE for n in range(5)]
    stats = feed.stats()
    assert (stats.received, stats.published, stats.rejected) == (6, 5, 1)
    assert stats.state == FeedState.STOPPED
    (error,) = errors
    assert error.component == "feed:feed" and "message 3 from ws://127.0.0.1" in error.error
    (letter,) = bus.dead_letters.list()
    assert letter.event == messages[2] and letter.handler_name == "feed.parse"


def test_bad_binance_messages_are_dead_letters_naming_why() -> None:
    trade = {"e": "trade", "s": "BTCUSDT", "t": 1, "p": "20000.5", "q": "0.25", "T": 1}
    book = {"u": 1, "s": "BTCUSDT", "b": "25.1", "B": "1", "a": "25.2", "A": "1"}
    bad = {
        json.dumps({**trade, "p": "NaN"}): "Trade.price",
        json.dumps({**book, "b": "26"}): "crossed quote",
        json.dumps({k: v for k, v in trade.items() if k != "q"}): "missing required field `q`",
        json.dumps({"stream": "btcusdt@depth", "data": {"e": "depthUpdate"}}): "binance message",
    }
    messages = [json.dumps(trade), *bad, json.dumps({**trade, "t": 2}), json.dumps(book)]

    async def session(connection: ServerConnection, number: int) -> None:
        for message in messages:
            await connection.send(message)

    async def main() -> tuple[list[object], list[ErrorEvent], EventBus, WebSocketFeed]:
        bus = EventBus()
        events: list[object] = []
        errors: list[ErrorEvent] = []
        bus.subscribe(Trade, events.append)
        bus.subscribe(Tick, events.append)
        bus.subscribe(ErrorEvent, errors.append)
        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed("b", server.url, bus, format=BinanceFormat(), reconnect=False)
        await feed.start()
        await feed.wait_closed()
        await server.stop()
        return events, errors, bus, feed

    events, errors, bus, feed = run(main)
    assert [type(e) for e in events] == [Trade, Trade, Tick]
    stats = feed.stats()
    assert (stats.received, stats.published, stats.rejected) == (7, 3, 4)
    letters = bus.dead_letters.list()
    assert [letter.event for letter in letters] == list(bad)
    for (message, why), letter, error in zip(bad.items(), letters, errors, strict=True):
        assert why in str(letter.error) and why in error.error
        assert error.original_event == message


def test_twenty_restarts_lose_nothing_duplicate_nothing_and_report_every_gap() -> None:
    """The server is killed and restarted 20 times. Each new session replays the last two
    messages of the one before (duplicates) and every fifth skips three numbers (a gap)."""
    rounds = 20
    plan: list[list[int]] = []
    expected_gaps: list[tuple[int, int, int]] = []
    last = -1
    for r in range(rounds):
        start = last + 1
        if r % 5 == 4:
            expected_gaps.append((start, start + 2, 3))
            start += 3
        replay = [n for n in (last - 1, last) if n >= 0]
        plan.append([*replay, *range(start, start + 10)])
        last = start + 9
    delivered = sorted({n for session in plan for n in session})

    async def main() -> tuple[list[int], list[FeedGap], WebSocketFeed, FeedServer, list[int]]:
        bus = EventBus()
        seen: list[int] = []
        gaps: list[FeedGap] = []
        failed_attempts: list[int] = []
        round_done = asyncio.Event()
        retries = asyncio.Event()
        target = [0]

        def on_bar(event: Bar) -> None:
            n = event.ts_event_ns // MINUTE
            seen.append(n)
            if n == target[0]:
                round_done.set()

        def on_status(status: FeedStatus) -> None:
            if status.state == FeedState.DISCONNECTED and status.detail.startswith("cannot"):
                failed_attempts.append(status.attempt)
                if len(failed_attempts) % 3 == 0:
                    retries.set()

        bus.subscribe(Bar, on_bar)
        bus.subscribe(FeedGap, gaps.append)
        bus.subscribe(FeedStatus, on_status)

        async def session(connection: ServerConnection, number: int) -> None:
            await first_request(connection, server)
            for n in plan[number]:
                await connection.send(numbered(n))
            await connection.wait_closed()  # stay open until the server is killed

        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed(
            "feed", server.url, bus, streams=["ACME"], backoff=FAST, connect_timeout=2
        )
        for r in range(rounds):
            target[0] = plan[r][-1]
            round_done.clear()
            if r == 0:
                await feed.start()
            else:
                await server.start()
            await asyncio.wait_for(round_done.wait(), 10)
            await server.stop()  # kill: every connection dropped, nothing listening
            retries.clear()
            await asyncio.wait_for(retries.wait(), 10)  # three refused attempts each time
        await feed.stop()
        return seen, gaps, feed, server, failed_attempts

    seen, gaps, feed, server, failed_attempts = run(main)
    assert seen == delivered  # every message once, in order
    assert [(g.first_missing, g.last_missing, g.missing) for g in gaps] == expected_gaps
    assert all((g.instrument, g.stream) == ("*", "seq") for g in gaps)
    stats = feed.stats()
    assert stats.connects == rounds and server.connections == rounds
    assert server.requests == ['{"subscribe":["ACME"]}'] * rounds  # resubscribed every time
    assert stats.duplicates == 2 * (rounds - 1)
    assert (stats.gaps, stats.missing) == (len(expected_gaps), 3 * len(expected_gaps))
    # Backoff observed: retries numbered upwards, waits growing from 0 and capped.
    assert failed_attempts[:3] == [2, 3, 4]  # retry 1 (immediate) followed the drop itself
    assert feed.delays[0] == 0 and max(feed.delays) <= FAST.cap
    assert any(d >= FAST.cap / 2 for d in feed.delays)


def test_a_silent_connection_is_stale_and_replaced() -> None:
    async def session(connection: ServerConnection, number: int) -> None:
        await connection.send(numbered(number))
        await connection.wait_closed()  # connected, but silent

    async def main() -> tuple[list[FeedStatus], WebSocketFeed]:
        bus = EventBus()
        statuses: list[FeedStatus] = []
        second = asyncio.Event()

        def on_bar(event: Bar) -> None:
            if event.ts_event_ns == MINUTE:
                second.set()

        bus.subscribe(FeedStatus, statuses.append)
        bus.subscribe(Bar, on_bar)
        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed("feed", server.url, bus, idle_timeout=0.3, backoff=FAST)
        await feed.start()
        await asyncio.wait_for(second.wait(), 10)  # the second connection's message
        await feed.stop()
        await server.stop()
        return statuses, feed

    statuses, feed = run(main)
    states = [s.state for s in statuses]
    stale = states.index(FeedState.STALE)
    assert states[:2] == [FeedState.CONNECTING, FeedState.CONNECTED]
    assert FeedState.CONNECTED in states[stale:]  # reconnected after going stale
    assert "nothing received for 0.3" in statuses[stale].detail
    assert feed.stats().stale >= 1 and feed.stats().connects >= 2


def test_an_unreachable_url_fails_fast_with_one_line_or_keeps_retrying() -> None:
    url = f"ws://127.0.0.1:{free_port()}"

    async def main() -> tuple[str, list[FeedStatus]]:
        bus = EventBus()
        with pytest.raises(FeedError) as failed:
            await WebSocketFeed("feed", url, bus, fail_fast=True, connect_timeout=0.3).start()
        statuses: list[FeedStatus] = []
        bus.subscribe(FeedStatus, statuses.append)
        feed = WebSocketFeed("feed", url, bus, connect_timeout=0.3, backoff=FAST)
        await feed.start()  # returns after the connect timeout; keeps retrying
        await feed.stop()
        return str(failed.value), statuses

    message, statuses = run(main)
    assert message == f"feed 'feed': could not connect to {url} within 0.3 s"
    refused = [s for s in statuses if s.state == FeedState.DISCONNECTED]
    assert len(refused) >= 3 and [s.attempt for s in refused[:3]] == [1, 2, 3]
    assert refused[0].detail.startswith(f"cannot connect to {url}: ")
    assert "retrying in" in refused[0].detail
    assert statuses[-1].state == FeedState.STOPPED


def test_the_seed_websocket_api() -> None:
    """Seed 003: a WebSocketHandler registered for EventType.WEBSOCKET, a WebSocketEmitter."""
    from tickwire import EventType, WebSocketEmitter, WebSocketHandler  # as the seed imports

    async def session(connection: ServerConnection, number: int) -> None:
        for n in range(3):
            await connection.send(encode_json(bar(n)).decode())

    async def main() -> tuple[WebSocketHandler, list[str]]:
        event_bus = EventBus()
        texts: list[str] = []
        ws_handler = WebSocketHandler(
            "market_data_handler", on_message=lambda m: texts.append(m.data)
        )
        event_bus.register_async(EventType.WEBSOCKET, ws_handler.handle)
        server = FeedServer(session)
        await server.start()
        ws_emitter = WebSocketEmitter("exchange_feed", server.url, event_bus=event_bus)
        ws_emitter.reconnect = False
        await ws_emitter.start()
        await ws_emitter.wait_closed()
        await server.stop()
        return ws_handler, texts

    ws_handler, texts = run(main)
    assert ws_handler.messages == 3 and texts == [encode_json(bar(n)).decode() for n in range(3)]
    assert ws_handler.states == {"exchange_feed": FeedState.STOPPED}


def test_raw_messages_are_built_only_when_someone_subscribes() -> None:
    async def session(connection: ServerConnection, number: int) -> None:
        await connection.send(encode_json(bar(0)).decode())

    async def main() -> list[object]:
        bus = EventBus()
        everything: list[object] = []
        bus.subscribe_all(everything.append)
        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed("feed", server.url, bus, reconnect=False)
        await feed.start()
        await feed.wait_closed()
        await server.stop()
        return everything

    assert not [e for e in run(main) if isinstance(e, WebSocketMessage)]


def test_an_instrument_that_goes_silent_makes_the_feed_stale_and_reconnect() -> None:
    def quote(instrument: str, n: int) -> str:
        return encode_json(
            Bar(ts_event_ns=n * MINUTE, instrument=instrument, open=1, high=1, low=1, close=1)
        ).decode()

    async def session(connection: ServerConnection, number: int) -> None:
        await connection.send(quote("XYZ", number + 1))
        for n in range(1, 500):  # ACME keeps coming; XYZ never again on this connection
            await connection.send(quote("ACME", number * 1000 + n))
            await asyncio.sleep(0.02)

    async def main() -> tuple[list[FeedStatus], list[ErrorEvent], WebSocketFeed]:
        bus = EventBus()
        statuses: list[FeedStatus] = []
        errors: list[ErrorEvent] = []
        back = asyncio.Event()

        def on_bar(event: Bar) -> None:
            if event.instrument == "XYZ" and event.ts_event_ns == 2 * MINUTE:
                back.set()

        bus.subscribe(FeedStatus, statuses.append)
        bus.subscribe(ErrorEvent, errors.append)
        bus.subscribe(Bar, on_bar)
        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed(
            "feed", server.url, bus, idle_timeout=None, instrument_timeout=0.3,
            instruments=["XYZ"], backoff=FAST,
        )  # fmt: skip
        await feed.start()
        await asyncio.wait_for(back.wait(), 10)  # XYZ again, on the second connection
        await feed.stop()
        await server.stop()
        return statuses, errors, feed

    statuses, errors, feed = run(main)
    stale = [s for s in statuses if s.state == FeedState.STALE]
    assert stale and "nothing received for XYZ for 0.3" in stale[0].detail
    assert all("ACME" not in s.detail for s in stale)  # ACME kept coming
    (error, *_) = errors
    assert error.error_type == "StaleFeed" and "XYZ" in error.error
    assert feed.stats().stale >= 1 and feed.stats().connects >= 2


def test_an_instrument_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="instrument_timeout"):
        WebSocketFeed("feed", "ws://127.0.0.1:1", EventBus(), instrument_timeout=0)
