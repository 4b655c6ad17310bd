"""What a feed client is subscribed to, and each market event as its format writes it.

Two formats, readable by :mod:`tickwire.live`'s formats with their default settings:

- ``tickwire``: ``{"seq": N, "event": <the event as encode_json writes it>}``, ``N``
  the event's number in the data (from 1), so it follows on without a jump across
  reconnects and exchange restarts (a client that missed events sees a gap, one that
  sees one twice drops it). A client that subscribed to some instruments gets their
  events unnumbered (numbers would jump over the others'), which it deduplicates by
  the bar's time.
- ``binance``: a closed kline (``k.x`` true, stamped with the bar's open time, prices as
  strings) for ``<symbol>@kline_<interval>``, a book ticker (update id ``u``: the event's
  number in the data) for ``<symbol>@bookTicker``; wrapped as ``{"stream", "data"}`` on
  combined-stream connections. Symbols are the instruments in lower case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from tickwire.events import Bar, Tick, encode_json
from tickwire.exchange._market import MarketEvent
from tickwire.live.binance import interval_ms

__all__ = ["BinanceSubscription", "Counters", "TickwireSubscription", "binance_message"]

_encode = msgspec.json.Encoder().encode
_NS_PER_MS = 1_000_000


class Counters:
    """How many events of each instrument have been replayed (from the data's start)."""

    def __init__(self) -> None:
        self.total = 0
        self.by_instrument: dict[str, int] = {}

    def count(self, event: MarketEvent) -> None:
        """Count ``event`` as replayed."""
        self.total += 1
        instrument = event.instrument
        self.by_instrument[instrument] = self.by_instrument.get(instrument, 0) + 1


class TickwireSubscription:
    """A tickwire-format client: every instrument until it asks for some."""

    def __init__(self) -> None:
        self.instruments: frozenset[str] | None = None

    def wants(self, event: MarketEvent) -> bool:
        """Whether the client is subscribed to ``event``'s instrument."""
        return self.instruments is None or event.instrument in self.instruments

    def message(self, event: MarketEvent, counters: Counters) -> bytes:
        """``event``, numbered for a client of every instrument (``counters`` include it)."""
        if self.instruments is not None:
            return encode_json(event)
        return b'{"seq":%d,"event":%s}' % (counters.total, encode_json(event))


class BinanceSubscription:
    """A Binance-format client's streams (``acme@kline_1d``, ``acme@bookTicker``)."""

    def __init__(self, symbols: Mapping[str, str], interval: str, *, combined: bool) -> None:
        self.symbols = symbols
        """Stream symbol (lower case) to instrument."""
        self.interval = interval
        self.combined = combined
        self.streams: dict[str, str] = {}
        """Instrument to the stream name it is subscribed under."""

    def stream_problem(self, stream: str) -> str | None:
        """Why ``stream`` cannot be subscribed, or None."""
        symbol, _, kind = stream.partition("@")
        if symbol not in self.symbols:
            known = ", ".join(sorted(self.symbols))
            return f"unknown symbol {symbol!r} in stream {stream!r} (this exchange has {known})"
        if kind == "bookTicker":
            return None
        if kind == f"kline_{self.interval}":
            try:
                interval_ms(self.interval)
            except ValueError:
                return f"stream {stream!r}: Binance has no kline interval {self.interval!r}"
            return None
        offered = f"kline_{self.interval}" if self.interval else "bookTicker"
        return f"stream {stream!r}: this exchange offers {symbol}@{offered} (and @bookTicker)"

    def add(self, stream: str) -> None:
        """Subscribe ``stream`` (checked with :meth:`stream_problem`)."""
        self.streams[self.symbols[stream.partition("@")[0]]] = stream

    def remove(self, stream: str) -> None:
        """Unsubscribe ``stream`` if subscribed."""
        instrument = self.symbols.get(stream.partition("@")[0])
        if instrument is not None and self.streams.get(instrument) == stream:
            del self.streams[instrument]

    def wants(self, event: MarketEvent) -> bool:
        """Whether a subscribed stream carries ``event``."""
        stream = self.streams.get(event.instrument)
        if stream is None:
            return False
        return stream.endswith("@bookTicker") == (type(event) is Tick)

    def message(self, event: MarketEvent, counters: Counters) -> bytes:
        """``event`` as Binance writes it, wrapped when the connection is combined."""
        data = binance_message(event, counters.total, self.interval)
        if not self.combined:
            return data
        stream = self.streams[event.instrument]
        return b'{"stream":%s,"data":%s}' % (_encode(stream), data)


def binance_message(event: MarketEvent, update_id: int, interval: str) -> bytes:
    """A closed kline of ``interval`` for a bar, a book ticker for a quote (see the module)."""
    symbol = event.instrument
    if isinstance(event, Tick):
        book: dict[str, Any] = {
            "u": update_id,
            "s": symbol,
            "b": repr(event.bid),
            "B": repr(event.bid_size),
            "a": repr(event.ask),
            "A": repr(event.ask_size),
        }
        return _encode(book)
    bar: Bar = event
    open_ms = bar.ts_event_ns // _NS_PER_MS
    close_ms = open_ms + max(interval_ms(interval), 1) - 1
    kline = {
        "e": "kline",
        "E": close_ms,
        "s": symbol,
        "k": {
            "t": open_ms,
            "T": close_ms,
            "s": symbol,
            "i": interval,
            "o": repr(bar.open),
            "c": repr(bar.close),
            "h": repr(bar.high),
            "l": repr(bar.low),
            "v": repr(bar.volume),
            "n": 0,
            "x": True,
        },
    }
    return _encode(kline)
