"""100k fuzzed messages over a real websocket: none crashes the feed, every reject is kept."""

from __future__ import annotations

import asyncio
import json
import random

from websockets.asyncio.server import ServerConnection

from tickwire.bus import EventBus
from tickwire.events import ErrorEvent, Trade
from tickwire.live import BinanceFormat, WebSocketFeed

from .server import FeedServer

COUNT = 100_000


def _trade(trade_id: int) -> dict[str, object]:
    return {
        "e": "trade", "E": 1672515782136, "s": "BTCUSDT", "t": trade_id,
        "p": f"{20_000 + trade_id % 97}.5", "q": "0.25", "T": 1672515782136 + trade_id,
        "m": True, "M": True,
    }  # fmt: skip


def _broken(rng: random.Random, trade_id: int) -> str:
    """A message that no reader may accept, made one of the ways real feeds go wrong."""
    message = _trade(trade_id)
    kind = rng.randrange(8)
    if kind == 0:  # truncated: an object cut before its end is never valid JSON
        text = json.dumps(message)
        return text[: rng.randrange(1, len(text) - 1)]
    if kind == 1:
        message["p"] = rng.choice(["NaN", "nan", "Infinity", "-inf"])
    elif kind == 2:
        message["p"] = rng.choice([[], {}, True, None, "twenty"])
    elif kind == 3:
        message["t"] = rng.choice([2**64, -(2**70), 10**30])
    elif kind == 4:
        message["e"] = rng.choice(["depthUpdate", "24hrTicker", "", "TRADE"])
    elif kind == 5:
        return json.dumps({"stream": "btcusdt@unknown", "data": rng.choice(["x", 5, []])})
    elif kind == 6:
        message["q"] = rng.choice(["-1", "0", "-0.5"])
    else:
        return rng.choice(["", "null", "[]", '"text"', "\x00\xff", "{}" * 3])
    return json.dumps(message)


def test_fuzzed_messages_are_all_rejected_or_published_and_the_connection_stays_up() -> None:
    rng = random.Random(20261201)
    messages: list[str] = []
    bad: set[str] = set()
    good = 0
    for n in range(COUNT):
        if rng.random() < 0.5:
            text = _broken(rng, n)
            bad.add(text)
        else:
            good += 1
            text = json.dumps(_trade(good))  # trade ids 1, 2, 3... : no gap, no duplicate
        messages.append(text)
    rejected_expected = sum(1 for text in messages if text in bad)

    async def session(connection: ServerConnection, number: int) -> None:
        for text in messages:
            await connection.send(text)

    async def main() -> tuple[WebSocketFeed, EventBus, int, int]:
        bus = EventBus(dead_letter_capacity=COUNT)
        trades = errors = 0

        def on_trade(event: Trade) -> None:
            nonlocal trades
            trades += 1

        def on_error(event: ErrorEvent) -> None:
            nonlocal errors
            errors += 1

        bus.subscribe(Trade, on_trade)
        bus.subscribe(ErrorEvent, on_error)
        server = FeedServer(session)
        await server.start()
        feed = WebSocketFeed("fuzz", server.url, bus, format=BinanceFormat(), reconnect=False)
        await feed.start()
        await asyncio.wait_for(feed.wait_closed(), 120)
        await server.stop()
        return feed, bus, trades, errors

    feed, bus, trades, errors = asyncio.run(main())
    stats = feed.stats()
    assert stats.connects == 1  # never dropped for a bad message
    assert stats.received == COUNT
    assert (stats.rejected, errors) == (rejected_expected, rejected_expected)
    assert stats.published == trades == good and stats.duplicates == stats.gaps == 0
    letters = bus.dead_letters.list()
    assert len(letters) == rejected_expected
    assert {letter.event for letter in letters} <= bad  # the raw text, kept as it came
