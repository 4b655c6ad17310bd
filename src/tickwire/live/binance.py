"""Binance spot public market streams, as Binance's "Web Socket Streams" page documents them.

Streams: ``<symbol>@trade`` and ``<symbol>@aggTrade`` (a :class:`~tickwire.events.Trade`),
``<symbol>@kline_<interval>`` (a :class:`~tickwire.events.Bar`, only once the kline has
closed: ``k.x`` true; a kline is sent many times while it is open) and
``<symbol>@bookTicker`` (a :class:`~tickwire.events.Tick`). Messages come raw (on
``/ws/<stream>``) or wrapped by a combined stream (``/stream?streams=a/b``) as
``{"stream": ..., "data": ...}``; ``{"result": null, "id": N}`` answers a ``SUBSCRIBE``.
Prices and quantities arrive as strings, times in milliseconds.

A bar made from a kline is stamped with the kline's **open** time, as bars read from
files are, so a recorded kline session and the same bars in a file backtest alike. Trades
are stamped with the trade time; book tickers carry no time and are stamped when they
arrive. Sequences: trade ids (``t``), aggregate trade ids (``a``) and kline open times
follow each other exactly, so a jump is a gap; book ticker update ids (``u``) only grow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events import Bar, Tick, Trade, checked_event, now_ns
from tickwire.live.format import Parsed, make_parsed

__all__ = ["BinanceFormat", "interval_ms"]

_MS = 1_000_000
_Id = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
_Millis = Annotated[int, msgspec.Meta(ge=0, le=(2**63 - 1) // _MS)]  # nanoseconds fit in int64
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def interval_ms(interval: str) -> int:
    """A kline interval ("1m", "4h", "1d") in milliseconds; 0 for months ("1M"), which vary."""
    count, unit = interval[:-1], interval[-1:]
    if not count.isdigit() or (unit not in _UNIT_MS and unit != "M"):
        raise DecodeError(f"kline interval {interval!r} is not one Binance defines")
    return 0 if unit == "M" else int(count) * _UNIT_MS[unit]


class _Trade(msgspec.Struct, tag="trade", tag_field="e"):
    s: str
    t: _Id
    p: float
    q: float
    T: _Millis


class _AggTrade(msgspec.Struct, tag="aggTrade", tag_field="e"):
    s: str
    a: _Id
    p: float
    q: float
    T: _Millis


class _Kline(msgspec.Struct):
    t: _Millis
    i: str
    o: float
    c: float
    h: float
    l: float  # noqa: E741  (Binance's name)
    v: float
    x: bool


class _KlineEvent(msgspec.Struct, tag="kline", tag_field="e"):
    s: str
    k: _Kline


class _BookTicker(msgspec.Struct):
    u: _Id
    s: str
    b: float
    B: float
    a: float
    A: float


class _Answer(msgspec.Struct):
    id: Any = None
    result: Any = None
    error: Any = None


class _Combined(msgspec.Struct):
    stream: str
    data: msgspec.Raw


_Typed = _Trade | _AggTrade | _KlineEvent
# strict=False: Binance sends numbers as strings ("0.001"); lax decoding reads them.
_typed = msgspec.json.Decoder(_Typed, strict=False)
_book = msgspec.json.Decoder(_BookTicker, strict=False)
_answer = msgspec.json.Decoder(_Answer)
_combined = msgspec.json.Decoder(_Combined)
_encode = msgspec.json.Encoder().encode
_NONE: tuple[Parsed, ...] = ()


class BinanceFormat:
    """Parses Binance spot trade, aggTrade, kline and bookTicker messages (see the module)."""

    name = "binance"

    def __init__(self) -> None:
        self._request_id = 0
        self.intervals: dict[str, int] = {}
        """Kline intervals seen, in milliseconds (cached: parsed once)."""

    def parse(self, message: str | bytes) -> Sequence[Parsed]:
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        if text.startswith('{"stream"'):
            try:
                text = bytes(_combined.decode(text).data).decode("utf-8", "replace")
            except msgspec.DecodeError as exc:
                raise DecodeError(f"combined stream message: {exc}") from None
        try:
            if '"e"' in text:
                return self._typed(_typed.decode(text))
            if '"u"' in text:
                return self._book(_book.decode(text))
            answer = _answer.decode(text)
        except msgspec.DecodeError as exc:
            raise DecodeError(f"binance message: {exc}") from None
        if answer.error is not None:
            raise DecodeError(f"binance refused request {answer.id!r}: {answer.error!r}")
        if answer.id is None:
            raise DecodeError("binance message: not a trade, aggTrade, kline, bookTicker or answer")
        return _NONE

    def _typed(self, message: _Trade | _AggTrade | _KlineEvent) -> Sequence[Parsed]:
        if isinstance(message, _KlineEvent):
            return self._kline(message)
        trade = Trade(
            ts_event_ns=message.T * _MS, instrument=message.s, price=message.p, size=message.q
        )
        if isinstance(message, _Trade):
            return (make_parsed(Parsed, (_checked(trade), message.s, "trade", message.t, 1)),)
        return (make_parsed(Parsed, (_checked(trade), message.s, "aggTrade", message.a, 1)),)

    def _kline(self, message: _KlineEvent) -> Sequence[Parsed]:
        kline = message.k
        if not kline.x:
            return _NONE  # the bar is still open: only its final version counts
        step = self.intervals.get(kline.i)
        if step is None:
            step = self.intervals[kline.i] = interval_ms(kline.i)
        bar = Bar(
            ts_event_ns=kline.t * _MS,
            instrument=message.s,
            open=kline.o,
            high=kline.h,
            low=kline.l,
            close=kline.c,
            volume=kline.v,
            interval=kline.i,
        )
        stream = f"kline_{kline.i}"
        return (make_parsed(Parsed, (_checked(bar), message.s, stream, kline.t, step)),)

    def _book(self, book: _BookTicker) -> Sequence[Parsed]:
        tick = Tick(
            ts_event_ns=now_ns(),
            instrument=book.s,
            bid=book.b,
            ask=book.a,
            bid_size=book.B,
            ask_size=book.A,
        )
        return (make_parsed(Parsed, (_checked(tick), book.s, "bookTicker", book.u, 0)),)

    def subscribe_messages(self, streams: Sequence[str]) -> list[str]:
        if not streams:
            return []
        self._request_id += 1
        request = {"method": "SUBSCRIBE", "params": list(streams), "id": self._request_id}
        return [_encode(request).decode()]


_checked = checked_event
