"""``ExchangeClient``: the execution-client port over the local exchange's order protocol.

It connects on demand (the first request, and the first after a drop) to ``URL/orders``
(``/orders`` is added to a URL without a path, so the feed's URL serves for both), sends
each request with a number in ``req`` and waits ``timeout`` seconds for the reply. A
reply settles the command (confirmed or rejected); no reply leaves it ``UNKNOWN`` and in
flight until :meth:`ExchangeClient.resolve` asks for the order's status. ``resolve``
sends the order again only when the exchange says it never received it, with the same
client order id, so it can never become a second order.

An optional :class:`~tickwire.execution.CircuitBreaker` guards submissions: a command
without an answer counts as a failure, any answer as a success; while it is open,
``submit`` is rejected at once with the reason and nothing is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tickwire.events import SubmitOrder
from tickwire.exchange._port import CommandResult, ExecutionClient, Outcome, VenueUnavailable
from tickwire.exchange._protocol import FillRecord, OrderRecord, PositionRecord
from tickwire.exchange._wire import DirectClientConnection
from tickwire.execution import CircuitBreaker

__all__ = ["ExchangeClient"]

log = logging.getLogger(__name__)

_order = msgspec.convert
_encode = msgspec.json.Encoder().encode
_NOT_SENT = "brackets (take_profit, stop_loss) are not supported by the exchange"


class ExchangeClient:
    """A client of ``tickwire exchange``'s order protocol; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.path in ("", "/"):
            parts = parts._replace(path="/orders")
        self.url = urlunsplit(parts)
        self.timeout = timeout
        self.breaker = breaker
        self._connection: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._updates: asyncio.Queue[OrderRecord | FillRecord] = asyncio.Queue()
        self._in_flight: dict[str, SubmitOrder] = {}
        self._connecting = asyncio.Lock()

    @property
    def in_flight(self) -> frozenset[str]:
        """Client order ids whose outcome is unknown."""
        return frozenset(self._in_flight)

    async def close(self) -> None:
        """Close the connection (in-flight orders stay in flight)."""
        connection = self._connection
        if connection is not None:
            await connection.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    # -- commands --------------------------------------------------------------------------

    async def submit(self, order: SubmitOrder) -> CommandResult:
        """Place ``order`` (``order_id`` is the client order id); see the module docstring."""
        client_order_id = order.order_id
        if order.take_profit is not None or order.stop_loss is not None:
            return CommandResult(Outcome.REJECTED, client_order_id, reason=_NOT_SENT)
        breaker = self.breaker
        if breaker is not None and not breaker.allow():
            reason = f"circuit breaker {breaker.state.value}: the venue failed repeatedly"
            return CommandResult(Outcome.REJECTED, client_order_id, reason=reason)
        self._in_flight[client_order_id] = order
        return await self._place(order)

    async def cancel(self, client_order_id: str) -> CommandResult:
        """Cancel a working order: confirmed with the record, rejected with the reason
        (unknown or finished order), or unknown without an answer."""
        try:
            answer = await self._request("cancel", client_order_id=client_order_id)
        except VenueUnavailable as exc:
            self._failed()
            return CommandResult(Outcome.UNKNOWN, client_order_id, reason=str(exc))
        self._answered()
        return _settled(client_order_id, answer)

    async def resolve(self, client_order_id: str) -> CommandResult:
        """Settle an in-flight order by its status at the venue (see the module docstring)."""
        order = self._in_flight.get(client_order_id)
        try:
            record = await self.order_status(client_order_id)
        except VenueUnavailable as exc:
            return CommandResult(Outcome.UNKNOWN, client_order_id, reason=str(exc))
        if record is not None:
            self._in_flight.pop(client_order_id, None)
            return _from_record(record)
        if order is None:
            return CommandResult(Outcome.REJECTED, client_order_id, reason="no such order")
        return await self._place(order)  # never received: the same id, so never twice

    # -- queries ---------------------------------------------------------------------------

    async def order_status(self, client_order_id: str) -> OrderRecord | None:
        """The exchange's record of an order; None if it never received it."""
        answer = await self._request("order_status", client_order_id=client_order_id)
        if answer["ok"]:
            return _order(answer["order"], OrderRecord)
        if answer["error"]["code"] == "unknown_order":
            return None
        raise VenueUnavailable(f"order_status refused: {answer['error']['message']}")

    async def open_orders(self) -> list[OrderRecord]:
        """The working orders, oldest first."""
        answer = await self._request("open_orders")
        return _order(answer["orders"], list[OrderRecord])

    async def fills_since(self, seq: int) -> list[FillRecord]:
        """Every fill numbered above ``seq`` (pages of 1,000 followed to the end)."""
        fills: list[FillRecord] = []
        while True:
            answer = await self._request("fills", since=seq)
            page = _order(answer["fills"], list[FillRecord])
            fills.extend(page)
            if not answer["more"] or not page:
                return fills
            seq = page[-1].seq

    async def positions(self) -> list[PositionRecord]:
        """The net position per instrument traded."""
        answer = await self._request("positions")
        return _order(answer["positions"], list[PositionRecord])

    async def balances(self) -> dict[str, float]:
        """``cash``, ``equity``, ``reserved`` and ``initial_cash``."""
        answer = await self._request("balances")
        return _order(answer["balances"], dict[str, float])

    async def updates(self) -> AsyncIterator[OrderRecord | FillRecord]:
        """Fills and order changes pushed by the exchange, as they come."""
        while True:
            yield await self._updates.get()

    # -- the wire --------------------------------------------------------------------------

    async def _place(self, order: SubmitOrder) -> CommandResult:
        client_order_id = order.order_id
        fields = {
            "client_order_id": client_order_id,
            "instrument": order.instrument,
            "side": order.side,  # a StrEnum: msgspec writes its value
            "quantity": order.quantity,
            "order_type": order.order_type,
            "limit_price": order.limit_price,
            "stop_price": order.stop_price,
            "time_in_force": order.time_in_force,
        }
        try:
            answer = await self._request("new_order", **fields)
        except VenueUnavailable as exc:
            self._failed()
            return CommandResult(Outcome.UNKNOWN, client_order_id, reason=str(exc))
        self._answered()
        self._in_flight.pop(client_order_id, None)
        return _settled(client_order_id, answer)

    def _failed(self) -> None:
        if self.breaker is not None:
            self.breaker.record_failure()

    def _answered(self) -> None:
        if self.breaker is not None:
            self.breaker.record_success()

    async def _request(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request and wait for its reply; VenueUnavailable without one.

        The reply's future is awaited directly, with one timer that fails it: no
        ``wait_for`` wrapper, whose extra future costs a loop iteration per reply."""
        connection = await self._connect()
        req = next(self._numbers)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiting[req] = future
        timer = loop.call_later(self.timeout, _expire, future)
        try:
            await connection.send(_encode({"op": op, "req": req, **fields}), text=True)
            return await future
        except TimeoutError:
            raise VenueUnavailable(f"{op}: no answer within {self.timeout:g} s") from None
        except ConnectionClosed as exc:
            raise VenueUnavailable(f"{op}: the connection dropped ({exc})") from None
        finally:
            timer.cancel()
            self._waiting.pop(req, None)

    async def _connect(self) -> ClientConnection:
        connection = self._connection
        if connection is not None and connection.close_code is None:
            return connection  # the usual case, without taking the lock
        async with self._connecting:
            connection = self._connection
            if connection is not None and connection.close_code is None:
                return connection
            try:
                # No permessage-deflate: on a local link, zlib on every small message
                # costs more than the bytes it saves.
                connection = await asyncio.wait_for(
                    connect(
                        self.url,
                        open_timeout=None,
                        close_timeout=1,
                        compression=None,
                        create_connection=DirectClientConnection,
                    ),
                    self.timeout,
                )
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                raise VenueUnavailable(f"cannot connect to {self.url}: {exc}") from None
            assert isinstance(connection, DirectClientConnection)
            connection.on_text = self._take  # a reply settles its request at once
            self._connection = connection
            self._reader = asyncio.create_task(self._read(connection), name="exchange-client")
            return connection

    async def _read(self, connection: ClientConnection) -> None:
        """Notice the connection closing (and read any message not handed over)."""
        try:
            async for raw in connection:
                self._on_message(raw)
        except ConnectionClosed:
            pass
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionClosed(None, None))

    def _take(self, raw: bytes) -> bool:
        """A message handed over as it is read (see ``tickwire.exchange._wire``)."""
        self._on_message(raw)
        return True

    def _on_message(self, raw: str | bytes) -> None:
        try:
            message = msgspec.json.decode(raw)
            kind = message["type"]
            if kind == "reply":
                future = self._waiting.get(message["req"])
                if future is not None and not future.done():
                    future.set_result(message)
            elif kind == "fill":
                self._updates.put_nowait(_order(message["fill"], FillRecord))
            elif kind == "order":
                self._updates.put_nowait(_order(message["order"], OrderRecord))
        except (msgspec.DecodeError, msgspec.ValidationError, KeyError, TypeError) as exc:
            log.error("exchange client: unreadable message %r: %s", raw[:200], exc)


def _expire(future: asyncio.Future[dict[str, Any]]) -> None:
    """The timer of a request: no reply in time."""
    if not future.done():
        future.set_exception(TimeoutError())


def _settled(client_order_id: str, answer: dict[str, Any]) -> CommandResult:
    """The outcome an answer to ``new_order`` or ``cancel`` gives."""
    if answer["ok"]:
        return _from_record(_order(answer["order"], OrderRecord))
    order = answer.get("order")
    record = None if order is None else _order(order, OrderRecord)
    error = answer["error"]
    reason = f"{error['code']}: {error['message']}"
    return CommandResult(Outcome.REJECTED, client_order_id, record, reason)


def _from_record(record: OrderRecord) -> CommandResult:
    if record.status == "REJECTED":
        return CommandResult(Outcome.REJECTED, record.client_order_id, record, record.reason)
    return CommandResult(Outcome.CONFIRMED, record.client_order_id, record)


if TYPE_CHECKING:  # the adapter implements the port: mypy checks it here
    _implements: type[ExecutionClient] = ExchangeClient
