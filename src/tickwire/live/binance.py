# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
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

Compiled: trades and book tickers are decoded by structs that check the market-data rules
as they decode (:mod:`tickwire.live._binance_wire`), so a good message costs one decode
and one event. A message they refuse takes :meth:`BinanceFormat.explain`, the plain
decode and ``checked_event``, which accepts exactly the same messages and says what is
wrong with the others (tests/live/test_binance.py pins that both agree).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import msgspec

from tickwire._exceptions import DecodeError
from tickwire.events import Bar, EventBase, Tick, Trade, checked_event, now_ns
from tickwire.live import _binance_wire as wire
from tickwire.live.format import Parsed, make_parsed

__all__ = ["BinanceFormat", "interval_ms"]

_MS: Final = 1_000_000
_SYMBOLS_KEPT: Final = 4096
"""Symbols whose string is kept for reuse (beyond that, a feed of ever new symbols would
only grow the cache)."""
_UNIT_MS: Final = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_NONE: Final[tuple[Parsed, ...]] = ()
_encode: Final = msgspec.json.Encoder().encode


def interval_ms(interval: str) -> int:
    """A kline interval ("1m", "4h", "1d") in milliseconds; 0 for months ("1M"), which vary."""
    count, unit = interval[:-1], interval[-1:]
    if not count.isdigit() or (unit not in _UNIT_MS and unit != "M"):
        raise DecodeError(f"kline interval {interval!r} is not one Binance defines")
    return 0 if unit == "M" else int(count) * _UNIT_MS[unit]


class BinanceFormat:
    """Parses Binance spot trade, aggTrade, kline and bookTicker messages (see the module)."""

    name: str

    def __init__(self) -> None:
        self.name = "binance"
        self._request_id = 0
        self.intervals: dict[str, int] = {}
        """Kline intervals seen, in milliseconds (cached: parsed once)."""
        self._symbols: dict[str, str] = {}
        """Each symbol seen, checked once (not blank): every event of a symbol then names
        it with the same string, whose hash the sequence check already knows."""
        # Attributes, not module globals: compiled code looks a global up in a dict on
        # every use. Typed as plain callables, so that mypyc passes the values decoded
        # on as the objects they are (typed as the classes, it unboxes and re-boxes them).
        self._decode_typed: Callable[[str], Any] = wire.checked_typed_decoder.decode
        self._decode_book: Callable[[str], Any] = wire.checked_book_decoder.decode
        self._checked_trade: type = wire.CheckedTrade
        self._checked_agg_trade: type = wire.CheckedAggTrade
        self._make_trade: Callable[..., EventBase] = Trade
        self._make_tick: Callable[..., EventBase] = Tick
        self._make_parsed: Callable[[type[Parsed], tuple[Any, ...]], Parsed] = make_parsed

    def parse(self, message: str | bytes) -> Sequence[Parsed]:
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        if text.startswith('{"stream"'):
            text = _unwrap(text)
        if '"e"' in text:
            try:
                typed = self._decode_typed(text)
            except msgspec.ValidationError:
                return self.explain(text)
            except msgspec.DecodeError as exc:
                raise DecodeError(f"binance message: {exc}") from None
            kind = type(typed)
            if kind is self._checked_trade:
                seq = typed.t
                stream = "trade"
            elif kind is self._checked_agg_trade:
                seq = typed.a
                stream = "aggTrade"
            else:
                return self._kline(typed)
            instrument = self._instrument(typed.s)
            if instrument is None:
                return self.explain(text)
            trade = self._make_trade(
                ts_event_ns=typed.T * _MS, instrument=instrument, price=typed.p, size=typed.q
            )
            return (self._make_parsed(Parsed, (trade, instrument, stream, seq, 1)),)
        if '"u"' in text:
            try:
                book = self._decode_book(text)
            except msgspec.ValidationError:
                return self.explain(text)
            except msgspec.DecodeError as exc:
                raise DecodeError(f"binance message: {exc}") from None
            instrument = self._instrument(book.s)
            bid = book.b
            ask = book.a
            if instrument is None or bid > ask:
                return self.explain(text)
            now = now_ns()
            tick = self._make_tick(
                ts_event_ns=now,
                ts_created_ns=now,
                instrument=instrument,
                bid=bid,
                ask=ask,
                bid_size=book.B,
                ask_size=book.A,
            )
            return (self._make_parsed(Parsed, (tick, instrument, "bookTicker", book.u, 0)),)
        return _answer(text)

    def explain(self, message: str | bytes) -> Sequence[Parsed]:
        """:meth:`parse` the long way: decode without checks, build the event, then check
        it (``checked_event``), so that an error names the event's field. It accepts the
        same messages as :meth:`parse`, which takes this way for any it refuses."""
        text = message if isinstance(message, str) else message.decode("utf-8", "replace")
        if text.startswith('{"stream"'):
            text = _unwrap(text)
        try:
            if '"e"' in text:
                typed: Any = wire.plain_typed_decoder.decode(text)
            elif '"u"' in text:
                typed = wire.plain_book_decoder.decode(text)
            else:
                return _answer(text)
        except msgspec.DecodeError as exc:
            raise DecodeError(f"binance message: {exc}") from None
        if isinstance(typed, wire.KlineEvent):
            return self._kline(typed)
        if isinstance(typed, wire.BookTicker):
            now = now_ns()
            tick = Tick(
                ts_event_ns=now,
                ts_created_ns=now,
                instrument=typed.s,
                bid=typed.b,
                ask=typed.a,
                bid_size=typed.B,
                ask_size=typed.A,
            )
            return (Parsed(checked_event(tick), typed.s, "bookTicker", typed.u, 0),)
        trade = Trade(ts_event_ns=typed.T * _MS, instrument=typed.s, price=typed.p, size=typed.q)
        if isinstance(typed, wire.Trade):
            return (Parsed(checked_event(trade), typed.s, "trade", typed.t, 1),)
        return (Parsed(checked_event(trade), typed.s, "aggTrade", typed.a, 1),)

    def _instrument(self, symbol: str) -> str | None:
        """The string that names ``symbol``'s events; None for a blank one."""
        known = self._symbols.get(symbol)
        if known is not None:
            return known
        if not symbol.strip():
            return None
        if len(self._symbols) < _SYMBOLS_KEPT:
            self._symbols[symbol] = symbol
        return symbol

    def _kline(self, message: Any) -> Sequence[Parsed]:
        kline = message.k
        if not kline.x:
            return _NONE  # the bar is still open: only its final version counts
        interval: str = kline.i
        step = self.intervals.get(interval)
        if step is None:
            step = self.intervals[interval] = interval_ms(interval)
        bar = Bar(
            ts_event_ns=kline.t * _MS,
            instrument=message.s,
            open=kline.o,
            high=kline.h,
            low=kline.l,
            close=kline.c,
            volume=kline.v,
            interval=interval,
        )
        stream = f"kline_{interval}"
        return (make_parsed(Parsed, (checked_event(bar), message.s, stream, kline.t, step)),)

    def subscribe_messages(self, streams: Sequence[str]) -> list[str]:
        if not streams:
            return []
        self._request_id += 1
        request = {"method": "SUBSCRIBE", "params": list(streams), "id": self._request_id}
        return [_encode(request).decode()]


def _unwrap(text: str) -> str:
    """The ``data`` of a combined stream's ``{"stream": ..., "data": ...}``, as text."""
    try:
        data: bytes = bytes(wire.combined_decoder.decode(text).data)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"combined stream message: {exc}") from None
    return data.decode("utf-8", "replace")


def _answer(text: str) -> Sequence[Parsed]:
    """Nothing, for the answer to a request; a ``DecodeError`` for a refusal or anything
    else that is neither an answer nor a market-data message."""
    try:
        answer = wire.answer_decoder.decode(text)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"binance message: {exc}") from None
    if answer.error is not None:
        raise DecodeError(f"binance refused request {answer.id!r}: {answer.error!r}")
    if answer.id is None:
        raise DecodeError("binance message: not a trade, aggTrade, kline, bookTicker or answer")
    return _NONE
