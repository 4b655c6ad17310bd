"""The order protocol's messages: typed requests in, order and fill records out.

Every message is one JSON object. A request names its operation in ``op`` and may carry
``req`` (any JSON value the client chooses), which the reply echoes. The full protocol,
with every field and error, is in ``docs/exchange.md``; these structs are its contract:
a request that does not match one of them is answered with an ``error`` reply naming
the bad field, and nothing happens.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import msgspec

from tickwire.events import OrderType, Side, TimeInForce

__all__ = [
    "OPEN_STATUSES",
    "Balances",
    "Cancel",
    "ErrorCode",
    "FillRecord",
    "FillsSince",
    "NewOrder",
    "OpenOrders",
    "OrderRecord",
    "OrderStatusQuery",
    "PositionRecord",
    "Positions",
    "Request",
    "decode_request",
    "encode",
    "error_reply",
    "reply",
    "request_tag",
]

MAX_FILLS_PER_REPLY = 1000
"""A ``fills`` reply holds at most this many fills; ``more`` says whether others follow."""

_ClientOrderId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
_Instrument = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ErrorCode(enum.StrEnum):
    """Why a request did nothing (the ``code`` of an ``error`` reply)."""

    BAD_REQUEST = "bad_request"
    """Not JSON, not an object, an unknown ``op``, or a field missing or of the wrong type."""
    UNKNOWN_ORDER = "unknown_order"
    """No order has that ``client_order_id``."""
    NOT_CANCELLABLE = "not_cancellable"
    """The order is finished (filled, cancelled or rejected)."""
    CONFLICT = "conflict"
    """A ``new_order`` reused a ``client_order_id`` with different order fields."""


class NewOrder(msgspec.Struct, tag="new_order", tag_field="op", forbid_unknown_fields=True):
    """Place an order; ``client_order_id`` is the idempotency key (see docs/exchange.md)."""

    client_order_id: _ClientOrderId
    instrument: _Instrument
    side: Side
    quantity: float
    order_type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    stop_price: float | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    req: Any = None

    def asks_for(self, record: OrderRecord) -> bool:
        """Whether this request asks for the order ``record`` holds (same fields)."""
        return (
            self.instrument == record.instrument
            and self.side == record.side
            and self.quantity == record.quantity
            and self.order_type == record.order_type
            and self.limit_price == record.limit_price
            and self.stop_price == record.stop_price
            and self.time_in_force == record.time_in_force
        )


class Cancel(msgspec.Struct, tag="cancel", tag_field="op", forbid_unknown_fields=True):
    """Cancel a working order."""

    client_order_id: _ClientOrderId
    req: Any = None


class OrderStatusQuery(
    msgspec.Struct, tag="order_status", tag_field="op", forbid_unknown_fields=True
):
    """The current record of one order."""

    client_order_id: _ClientOrderId
    req: Any = None


class OpenOrders(msgspec.Struct, tag="open_orders", tag_field="op", forbid_unknown_fields=True):
    """Every working order, oldest first."""

    req: Any = None


class FillsSince(msgspec.Struct, tag="fills", tag_field="op", forbid_unknown_fields=True):
    """Fills whose ``seq`` is above ``since``, in ``seq`` order (at most 1,000 a reply)."""

    since: Annotated[int, msgspec.Meta(ge=0)] = 0
    req: Any = None


class Positions(msgspec.Struct, tag="positions", tag_field="op", forbid_unknown_fields=True):
    """The net position in every instrument traded."""

    req: Any = None


class Balances(msgspec.Struct, tag="balances", tag_field="op", forbid_unknown_fields=True):
    """Cash and equity."""

    req: Any = None


Request = NewOrder | Cancel | OrderStatusQuery | OpenOrders | FillsSince | Positions | Balances
_decoder = msgspec.json.Decoder(Request)


class _ReqOnly(msgspec.Struct):
    req: Any = None


_req_decoder = msgspec.json.Decoder(_ReqOnly)


def decode_request(data: str | bytes) -> Request:
    """The request in ``data``; ``msgspec.DecodeError`` names what is wrong and where."""
    return _decoder.decode(data)


def request_tag(data: str | bytes) -> Any:
    """The ``req`` of a message that did not decode as a request (None if unreadable)."""
    try:
        return _req_decoder.decode(data).req
    except msgspec.DecodeError:
        return None


class OrderRecord(msgspec.Struct, kw_only=True):
    """An order as the exchange knows it: the request and what has happened to it."""

    client_order_id: str
    instrument: str
    side: Side
    quantity: float
    order_type: OrderType
    limit_price: float | None
    stop_price: float | None
    time_in_force: TimeInForce
    status: str
    """ACCEPTED, REJECTED, PARTIALLY_FILLED, FILLED or CANCELLED."""
    filled_quantity: float = 0.0
    avg_fill_price: float = 0.0
    reason: str = ""
    """Why it was rejected or cancelled ("" otherwise)."""
    order_seq: int
    """The exchange's arrival number of the order (from 1)."""
    ts_ns: int
    """Market time (the replay's) when the order arrived."""
    updated_ns: int
    """Market time of the last change."""

    @property
    def is_open(self) -> bool:
        """Whether the order is still working."""
        return self.status in OPEN_STATUSES


OPEN_STATUSES = frozenset({"ACCEPTED", "PARTIALLY_FILLED"})


class FillRecord(msgspec.Struct, kw_only=True):
    """One execution, numbered by the exchange."""

    seq: int
    """The exchange-wide fill number (from 1, no gaps): what ``fills`` counts from."""
    trade_id: str
    """The venue's unique id of this execution: deduplicate fills by it."""
    client_order_id: str
    instrument: str
    side: Side
    quantity: float
    price: float
    commission: float
    ts_ns: int
    """Market time of the bar or quote that filled it."""


class PositionRecord(msgspec.Struct, kw_only=True):
    """The net position in one instrument."""

    instrument: str
    quantity: float
    avg_price: float
    realized_pnl: float


_encoder = msgspec.json.Encoder()


def encode(message: dict[str, Any]) -> bytes:
    """One message as JSON bytes."""
    return _encoder.encode(message)


def reply(op: str, req: Any, **fields: Any) -> dict[str, Any]:
    """A successful reply to ``op``."""
    return {"type": "reply", "op": op, "req": req, "ok": True, **fields}


def error_reply(op: str | None, req: Any, code: ErrorCode, message: str) -> dict[str, Any]:
    """A reply saying the request did nothing, and why."""
    return {
        "type": "reply",
        "op": op,
        "req": req,
        "ok": False,
        "error": {"code": code.value, "message": message},
    }
