"""Binance stream messages as msgspec structs: what ``binance.py`` decodes, in two kinds.

The *checked* structs carry the market-data rules as msgspec constraints (prices above 0
and finite, sizes in range, a symbol), so that decoding a trade or a book ticker checks
it: NaN fails every comparison, so ``"NaN"`` is refused with the rest. Their errors say
only which JSON field broke which bound. The *plain* structs take any number; a message
the checked ones refuse is decoded again with them, and its event goes through
``tickwire.events.checked_event``, whose error names the event's field (``Trade.price``).
This module stays interpreted: mypyc does not compile msgspec's structs.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import msgspec

__all__ = [
    "AggTrade",
    "Answer",
    "BookTicker",
    "CheckedAggTrade",
    "CheckedBookTicker",
    "CheckedTrade",
    "Combined",
    "Kline",
    "KlineEvent",
    "Trade",
    "answer_decoder",
    "checked_book_decoder",
    "checked_typed_decoder",
    "combined_decoder",
    "plain_book_decoder",
    "plain_typed_decoder",
]

_MS = 1_000_000
_FLOAT_MAX = sys.float_info.max
_Id = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
_Millis = Annotated[int, msgspec.Meta(ge=0, le=(2**63 - 1) // _MS)]  # nanoseconds fit in int64
_Symbol = Annotated[str, msgspec.Meta(min_length=1)]
_Price = Annotated[float, msgspec.Meta(gt=0.0, le=_FLOAT_MAX)]
_TradeSize = Annotated[float, msgspec.Meta(gt=0.0, le=_FLOAT_MAX)]
_QuoteSize = Annotated[float, msgspec.Meta(ge=0.0, le=_FLOAT_MAX)]


class Trade(msgspec.Struct, tag="trade", tag_field="e"):
    s: str
    t: _Id
    p: float
    q: float
    T: _Millis


class AggTrade(msgspec.Struct, tag="aggTrade", tag_field="e"):
    s: str
    a: _Id
    p: float
    q: float
    T: _Millis


class Kline(msgspec.Struct):
    t: _Millis
    i: str
    o: float
    c: float
    h: float
    l: float  # noqa: E741  (Binance's name)
    v: float
    x: bool


class KlineEvent(msgspec.Struct, tag="kline", tag_field="e"):
    s: str
    k: Kline


class BookTicker(msgspec.Struct):
    u: _Id
    s: str
    b: float
    B: float
    a: float
    A: float


class CheckedTrade(msgspec.Struct, tag="trade", tag_field="e", gc=False):
    s: _Symbol
    t: _Id
    p: _Price
    q: _TradeSize
    T: _Millis


class CheckedAggTrade(msgspec.Struct, tag="aggTrade", tag_field="e", gc=False):
    s: _Symbol
    a: _Id
    p: _Price
    q: _TradeSize
    T: _Millis


class CheckedBookTicker(msgspec.Struct, gc=False):
    """The bid not above the ask is left to the parser: constraints see one field."""

    u: _Id
    s: _Symbol
    b: _Price
    B: _QuoteSize
    a: _Price
    A: _QuoteSize


class Answer(msgspec.Struct):
    id: Any = None
    result: Any = None
    error: Any = None


class Combined(msgspec.Struct):
    stream: str
    data: msgspec.Raw


# strict=False: Binance sends numbers as strings ("0.001"); lax decoding reads them.
checked_typed_decoder = msgspec.json.Decoder(
    CheckedTrade | CheckedAggTrade | KlineEvent, strict=False
)
checked_book_decoder = msgspec.json.Decoder(CheckedBookTicker, strict=False)
plain_typed_decoder = msgspec.json.Decoder(Trade | AggTrade | KlineEvent, strict=False)
plain_book_decoder = msgspec.json.Decoder(BookTicker, strict=False)
answer_decoder = msgspec.json.Decoder(Answer)
combined_decoder = msgspec.json.Decoder(Combined)
