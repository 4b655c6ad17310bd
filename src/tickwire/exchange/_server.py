"""The local exchange: one loopback websocket port serving a replayed market and orders.

Paths (``docs/exchange.md`` has every message):

- ``/`` (and ``/feed``): the market feed in the exchange's default format; a tickwire
  client gets every instrument from the moment it connects (``{"subscribe": [...]}``
  narrows it), a Binance client what it subscribes to;
- ``/ws``, ``/ws/<stream>``, ``/stream?streams=<a>/<b>``: Binance raw and combined
  streams, whatever the default format;
- ``/orders``: the order protocol.

The replay starts when the first feed client has subscribed and is paced by the data's
own timestamps divided by ``speed`` (0: as fast as the clients read). Each market event
is first matched by the venue and its consequences stored, then fills and order updates
are pushed to the connections that placed the orders, then the event goes to the feed
clients: a client hears of its fill on bar t before it sees bar t, as in a backtest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response as HttpResponse
from websockets.protocol import State

from tickwire._exceptions import ConfigError, TickwireError
from tickwire.events import ErrorEvent, encode_json, now_ns
from tickwire.exchange._faults import DROP_CODE, Faults
from tickwire.exchange._feeds import BinanceSubscription, Counters, TickwireSubscription
from tickwire.exchange._market import MarketData, MarketEvent
from tickwire.exchange._protocol import (
    MAX_FILLS_PER_REPLY,
    Balances,
    Cancel,
    ErrorCode,
    FillsSince,
    NewOrder,
    OpenOrders,
    OrderStatusQuery,
    Positions,
    decode_request,
    encode,
    error_reply,
    reply,
    request_tag,
)
from tickwire.exchange._state import ExchangeState
from tickwire.exchange._venue import Changes, Venue
from tickwire.exchange._wire import DirectServerConnection

__all__ = ["FORMATS", "Exchange", "ExchangeError"]

log = logging.getLogger(__name__)

FORMATS = ("tickwire", "binance")
_YIELD_EVERY = 64
"""Unpaced, the replay lets order connections run at least every this many events."""


class ExchangeError(TickwireError, RuntimeError):
    """The exchange cannot start (its port is taken, its state does not fit its data)."""


class _Link:
    """One client connection, counting its messages for ``--drop-every``."""

    def __init__(self, connection: ServerConnection, faults: Faults) -> None:
        self.connection = connection
        self.faults = faults
        self.messages = 0
        self.subscription: TickwireSubscription | BinanceSubscription | None = None
        self.queued = 0
        """Requests left to the library's queue and not answered yet."""

    def write_now(self, data: bytes) -> None:
        """Write ``data`` as text at once, for a caller that found nothing waiting to be
        written (so it cannot overtake an earlier message); a closed connection drops
        it, as :meth:`send` does."""
        connection = self.connection
        protocol = connection.protocol
        if protocol.state is State.OPEN:
            protocol.send_text(data)
            for chunk in protocol.data_to_send():
                connection.transport.write(chunk)
            self.counted()

    async def send(self, data: bytes) -> None:
        """Send ``data`` as text; a closed connection drops it (the client will ask again)."""
        try:
            await self.connection.send(data, text=True)
        except ConnectionClosed:
            return
        self.counted()

    def counted(self) -> None:
        """Count one message; the N-th closes the connection when ``--drop-every N``."""
        self.messages += 1
        if self.faults.drops_after(self.messages):
            reason = f"fault injection: --drop-every {self.faults.drop_every}"
            # Not awaited here: the closing handshake must not hold up the replay.
            task = asyncio.ensure_future(self.connection.close(DROP_CODE, reason))
            _background.add(task)
            task.add_done_callback(_background.discard)


_background: set[asyncio.Future[Any]] = set()


class Exchange:
    """A local exchange replaying ``data``; see the module docstring.

    ``state`` is the SQLite file that keeps orders, fills and the replay position across
    restarts (``":memory:"`` keeps nothing). ``speed`` divides the data's time (60 plays
    one-minute bars at one a second; 0 as fast as possible). ``port`` 0 picks a free one.
    """

    def __init__(
        self,
        data: MarketData,
        *,
        state: str | Path = ":memory:",
        speed: float = 1.0,
        port: int = 0,
        format: str = "tickwire",
        cash: float = 100_000.0,
        broker_options: dict[str, Any] | None = None,
        faults: Faults | None = None,
    ) -> None:
        if format not in FORMATS:
            raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {format!r}")
        if not speed >= 0 or speed == float("inf"):
            raise ConfigError(f"--speed must be a finite number >= 0 (0: max), got {speed}")
        self.data = data
        self.state_path = str(state)
        self.speed = float(speed)
        self.port = port
        self.format = format
        self.cash = cash
        self.broker_options = broker_options or {}
        self.faults = faults or Faults()
        self.symbols = {name.lower(): name for name in data.instruments}
        self.counters = Counters()
        self.replay_finished = asyncio.Event()
        """Set once every event of the data has been replayed."""
        self._subscribed = asyncio.Event()
        self._feed_links: set[_Link] = set()
        self._owners: dict[str, _Link] = {}
        self._server: Server | None = None
        self._replay: asyncio.Task[None] | None = None
        self._state: ExchangeState | None = None
        self._venue: Venue | None = None
        self._remaining: Iterator[MarketEvent] = iter(())

    @property
    def url(self) -> str:
        """The feed's URL (orders are on ``{url}/orders``)."""
        return f"ws://127.0.0.1:{self.port}"

    @property
    def venue(self) -> Venue:
        """The matching venue (after :meth:`start`)."""
        if self._venue is None:
            raise RuntimeError("the exchange is not started")
        return self._venue

    # -- control -----------------------------------------------------------------------

    async def start(self) -> None:
        """Load the state, listen on the port and wait for the first feed subscriber."""
        state = self._state = ExchangeState(self.state_path)
        data = self.data
        state.settle("data", "; ".join(str(Path(p).resolve()) for p in data.bar_paths))
        state.settle("quotes", "; ".join(str(Path(p).resolve()) for p in data.tick_paths))
        state.settle("cash", repr(float(self.cash)))
        self._venue = Venue(state, data.instruments, self.cash, self.broker_options)
        replayed = state.replay_position
        if replayed > data.events:
            raise ExchangeError(
                f"--state {self.state_path}: {replayed} events replayed, the data has only "
                f"{data.events}"
            )
        events = iter(data)
        last: dict[str, MarketEvent] = {}
        for _ in range(replayed):
            event = next(events)
            self.counters.count(event)
            last[event.instrument] = event
        self._remaining = events
        self._venue.restore(last.values())  # no connection owns an order yet
        if replayed == data.events:
            self.replay_finished.set()
        try:
            self._server = await serve(
                self._connection,
                "127.0.0.1",
                self.port,
                process_request=self._route,
                close_timeout=1,
                max_size=1 << 20,
                compression=None,  # loopback only: zlib per message costs, saves nothing
                create_connection=DirectServerConnection,
            )
        except OSError as exc:
            raise ExchangeError(f"cannot listen on 127.0.0.1:{self.port}: {exc}") from None
        self.port = self._server.sockets[0].getsockname()[1]
        self._replay = asyncio.create_task(self._run_replay(), name="exchange:replay")
        self._replay.add_done_callback(_report_failure)

    async def stop(self) -> None:
        """Stop replaying, close every connection and the state file."""
        if self._replay is not None:
            self._replay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._state is not None:
            self._state.close()

    # -- the replay --------------------------------------------------------------------

    async def _run_replay(self) -> None:
        await self._subscribed.wait()
        venue = self.venue
        counters = self.counters
        speed = self.speed
        anchor_wall = time.monotonic()
        anchor_ts: int | None = None
        for event in self._remaining:
            if speed > 0.0:
                if anchor_ts is None:
                    anchor_ts = event.ts_event_ns
                due = anchor_wall + (event.ts_event_ns - anchor_ts) / 1e9 / speed
                delay = due - time.monotonic()
                if delay > 0.0:
                    await asyncio.sleep(delay)
            counters.count(event)
            await self._push(venue.on_market(event, counters.total))
            await self._publish(event)
            if speed == 0.0 and counters.total % _YIELD_EVERY == 0:
                await asyncio.sleep(0)
        self.replay_finished.set()
        log.info("exchange: replay finished after %d events", counters.total)

    async def _publish(self, event: MarketEvent) -> None:
        counters = self.counters
        for link in tuple(self._feed_links):
            subscription = link.subscription
            if subscription is not None and subscription.wants(event):
                await link.send(subscription.message(event, counters))

    async def _push(self, changes: Changes) -> None:
        """Tell the connections that placed the orders of their fills, then of the orders."""
        owners = self._owners
        for fill in changes.fills:
            link = owners.get(fill.client_order_id)
            if link is not None:
                await link.send(encode({"type": "fill", "fill": fill}))
        for order in changes.orders:
            link = owners.get(order.client_order_id)
            if link is not None:
                await link.send(encode({"type": "order", "order": order}))

    # -- connections -------------------------------------------------------------------

    def _route(self, connection: ServerConnection, request: HttpRequest) -> HttpResponse | None:
        path = urlsplit(request.path).path.rstrip("/")
        if path in ("", "/feed", "/orders", "/ws", "/stream") or path.startswith("/ws/"):
            return None
        return connection.respond(
            HTTPStatus.NOT_FOUND,
            f"no such path {path!r}: the feed is on /, Binance streams on /ws/<stream> and "
            "/stream?streams=..., orders on /orders\n",
        )

    async def _connection(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        parts = urlsplit(connection.request.path)
        path = parts.path.rstrip("/")
        link = _Link(connection, self.faults)
        if path == "/orders":
            await self._serve_orders(link)
            return
        if path.startswith(("/ws", "/stream")) or self.format == "binance":
            combined = path == "/stream"
            subscription = BinanceSubscription(self.symbols, self.data.interval, combined=combined)
            if path.startswith("/ws/"):
                streams = path[len("/ws/") :].split("/")
            else:
                streams = "/".join(parse_qs(parts.query).get("streams", [])).split("/")
            problems = [p for s in streams if s and (p := subscription.stream_problem(s))]
            if problems:
                await connection.close(4004, problems[0][:120])
                return
            for stream in filter(None, streams):
                subscription.add(stream)
            link.subscription = subscription
            if subscription.streams:
                self._subscribed.set()
        else:
            link.subscription = TickwireSubscription()
            self._subscribed.set()
        self._feed_links.add(link)
        try:
            async for message in connection:
                link.counted()
                await self._feed_request(link, message)
        except ConnectionClosed:
            pass
        finally:
            self._feed_links.discard(link)

    async def _feed_request(self, link: _Link, message: str | bytes) -> None:
        """A feed client's subscription request (tickwire ``subscribe``, Binance ``SUBSCRIBE``)."""
        subscription = link.subscription
        if isinstance(subscription, TickwireSubscription):
            try:
                wanted = msgspec.json.decode(message, type=_TickwireSubscribe).subscribe
            except msgspec.DecodeError as exc:
                await link.send(_feed_error(f"not a subscription request: {exc}"))
                return
            unknown = [name for name in wanted if name not in self.data.instruments]
            if unknown:
                names = ", ".join(self.data.instruments)
                await link.send(_feed_error(f"unknown instruments {unknown} (offered: {names})"))
                return
            subscription.instruments = frozenset(wanted)
            return
        assert isinstance(subscription, BinanceSubscription)
        try:
            request = msgspec.json.decode(message, type=_BinanceRequest)
        except msgspec.DecodeError as exc:
            await link.send(encode({"id": None, "error": {"code": 2, "msg": str(exc)}}))
            return
        method = request.method
        if method == "LIST_SUBSCRIPTIONS":
            result: Any = sorted(subscription.streams.values())
        elif method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            problem = next(
                (p for s in request.params if (p := subscription.stream_problem(s))), None
            )
            if problem is not None:
                await link.send(encode({"id": request.id, "error": {"code": 2, "msg": problem}}))
                return
            for stream in request.params:
                if method == "SUBSCRIBE":
                    subscription.add(stream)
                else:
                    subscription.remove(stream)
            result = None
            if subscription.streams:
                self._subscribed.set()
        else:
            message_text = f"unknown method {method!r}"
            await link.send(encode({"id": request.id, "error": {"code": 2, "msg": message_text}}))
            return
        await link.send(encode({"result": result, "id": request.id}))

    async def _serve_orders(self, link: _Link) -> None:
        """Answer the requests of one connection, in the order they arrive.

        A request is answered as it is read (``on_text``) when its reply can be written
        at once; otherwise it, and every request after it until the queue is empty, is
        answered here, waiting for the socket to take each reply."""
        connection = link.connection
        assert isinstance(connection, DirectServerConnection)
        connection.on_text = lambda message: self._answer_now(link, message)
        receive = connection.recv
        try:
            while True:
                message = await receive(decode=False)  # msgspec reads the UTF-8 bytes
                data = self._answer(link, message)
                if data is not None:
                    await link.send(data)
                link.queued = max(0, link.queued - 1)
        except ConnectionClosed:
            pass
        finally:
            connection.on_text = None

    def _answer_now(self, link: _Link, message: bytes) -> bool:
        """Answer a request as it is read; False queues it (see :meth:`_serve_orders`)."""
        if link.queued or link.connection.transport.get_write_buffer_size():
            link.queued += 1
            return False
        data = self._answer(link, message)
        if data is not None:
            link.write_now(data)
        return True

    def _answer(self, link: _Link, message: str | bytes) -> bytes | None:
        """Carry out one request; the reply to send now, or None (an acknowledgement
        lost or delayed by the faults)."""
        answer, is_ack = self._order_request(link, message)
        link.counted()
        if is_ack and self.faults.ack_lost():
            return None
        data = encode(answer)
        delay = self.faults.delay_acks_ms / 1000.0
        if is_ack and delay > 0.0:
            _later(_after(delay, link.send(data)))
            return None
        return data

    def _order_request(self, link: _Link, message: str | bytes) -> tuple[dict[str, Any], bool]:
        """The reply to one request, and whether it is an acknowledgement (new order,
        cancel) that the ack faults apply to."""
        try:
            request = decode_request(message)
        except msgspec.DecodeError as exc:
            return error_reply(None, request_tag(message), ErrorCode.BAD_REQUEST, str(exc)), False
        venue = self.venue
        if isinstance(request, NewOrder):
            existing = venue.order(request.client_order_id)
            if existing is not None and not request.asks_for(existing):
                detail = (
                    f"client_order_id {request.client_order_id!r} was used for a different "
                    "order; an id is never reused"
                )
                answer = error_reply("new_order", request.req, ErrorCode.CONFLICT, detail)
                return {**answer, "order": existing}, True
            refusal = None if existing is not None else self.faults.refusal()
            record, created = venue.submit(request, refusal)
            self._owners[record.client_order_id] = link
            return reply("new_order", request.req, order=record, duplicate=not created), True
        if isinstance(request, Cancel):
            outcome = venue.cancel(request.client_order_id)
            if isinstance(outcome, ErrorCode):
                answer = error_reply("cancel", request.req, outcome, _why(outcome, request))
                known = venue.order(request.client_order_id)
                return ({**answer, "order": known} if known else answer), True
            self._owners[request.client_order_id] = link
            return reply("cancel", request.req, order=outcome), True
        if isinstance(request, OrderStatusQuery):
            status = venue.order(request.client_order_id)
            if status is None:
                code = ErrorCode.UNKNOWN_ORDER
                return error_reply("order_status", request.req, code, _why(code, request)), False
            self._owners[request.client_order_id] = link
            return reply("order_status", request.req, order=status), False
        if isinstance(request, OpenOrders):
            return reply("open_orders", request.req, orders=venue.open_orders()), False
        if isinstance(request, FillsSince):
            fills = venue.state.fills_since(request.since, MAX_FILLS_PER_REPLY + 1)
            more = len(fills) > MAX_FILLS_PER_REPLY
            last = venue.state.fill_count()
            fills = fills[:MAX_FILLS_PER_REPLY]
            return reply("fills", request.req, fills=fills, more=more, last_seq=last), False
        if isinstance(request, Positions):
            return reply("positions", request.req, positions=venue.positions()), False
        assert isinstance(request, Balances)
        return reply("balances", request.req, balances=venue.balances()), False


class _TickwireSubscribe(msgspec.Struct, forbid_unknown_fields=True):
    subscribe: list[str]


class _BinanceRequest(msgspec.Struct):
    method: str
    params: list[str] = []
    id: Any = None


def _why(code: ErrorCode, request: Cancel | OrderStatusQuery) -> str:
    if code is ErrorCode.UNKNOWN_ORDER:
        return f"no order has client_order_id {request.client_order_id!r}"
    return f"order {request.client_order_id!r} is finished and cannot be cancelled"


def _feed_error(message: str) -> bytes:
    """An error for a tickwire feed client, as an event its format reads."""
    return encode_json(ErrorEvent(ts_event_ns=now_ns(), component="exchange", error=message))


def _report_failure(task: asyncio.Task[None]) -> None:
    """Log a replay that died (orders are still served; the market stands still)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("exchange: the replay failed", exc_info=task.exception())


async def _after(delay: float, send: Any) -> None:
    await asyncio.sleep(delay)
    await send


def _later(coroutine: Any) -> None:
    task = asyncio.ensure_future(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)
