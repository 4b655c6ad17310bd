"""A websocket market-data feed that stays up: it reconnects, resubscribes, notices a
silent connection, drops duplicates and reports gaps.

Each message is parsed by the feed's format (:mod:`tickwire.live.format`) into events,
which are published on the bus. What the feed does when things go wrong:

- the connection drops, the server closes it (a planned 24-hour disconnect is one), or
  the first connection fails: it publishes a :class:`~tickwire.events.FeedStatus`,
  waits as its :class:`~tickwire.live.Backoff` says (the first retry is immediate),
  connects again and sends its subscriptions again;
- nothing arrives within ``idle_timeout`` seconds on an open connection, or (with
  ``instrument_timeout``) nothing for one of the instruments watched: the feed is
  ``STALE``; it publishes an :class:`~tickwire.events.ErrorEvent`, closes the connection
  and reconnects (websockets' own ping/pong catches a dead peer; this catches a live
  peer that stopped sending, all of it or one instrument's);
- a message arrives twice (a server replaying after a reconnect): it is dropped and
  counted; numbers are missing: a :class:`~tickwire.events.FeedGap` names the instrument,
  the stream and the range;
- a message cannot be parsed, or breaks the market-data rules: it becomes an
  :class:`~tickwire.events.ErrorEvent` and a dead letter holding the raw text, is counted,
  and the connection stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidURI,
)

from tickwire._exceptions import TickwireError
from tickwire.bus import EventBus
from tickwire.events import ErrorEvent, FeedState, FeedStatus, now_ns
from tickwire.live._backoff import Backoff
from tickwire.live._receive import Receiver
from tickwire.live.format import FeedFormat
from tickwire.live.tickwire_format import TickwireFormat

__all__ = ["FeedError", "FeedStats", "WebSocketFeed"]

log = logging.getLogger(__name__)


class FeedError(TickwireError, ConnectionError):
    """A feed could not connect within its connect timeout (only when it fails fast)."""


@dataclass(frozen=True)
class FeedStats:
    """What a feed has done so far."""

    state: FeedState
    connects: int
    """Connections made (the first one included)."""
    received: int
    """Messages received."""
    published: int
    """Events published."""
    rejected: int
    """Messages that could not be parsed (each is a dead letter)."""
    duplicates: int
    """Events dropped because their stream had seen them already."""
    gaps: int
    missing: int
    """Sequence numbers that never arrived, over all gaps."""
    stale: int
    """Times the connection, or an instrument, went silent for longer than its timeout."""
    reconnects: int = 0
    """Connections made after the first."""
    last_message_age_s: float | None = None
    """Seconds since the last message arrived (None before the first connection)."""


class WebSocketFeed:
    """Connects to ``url`` and publishes what its messages carry on ``bus``; see the module.

    ``streams`` are subscribed after every connect, in the format's own way. With
    ``instrument_timeout``, each of ``instruments`` (and each instrument seen) must send an
    event within that many seconds, or the feed reconnects. With
    ``fail_fast=True`` a first connection that does not succeed within
    ``connect_timeout`` raises :class:`FeedError` from :meth:`start`; otherwise the feed
    keeps retrying. ``reconnect=False`` ends the feed when its connection ends.
    """

    def __init__(
        self,
        name: str,
        url: str,
        bus: EventBus,
        *,
        format: FeedFormat | None = None,
        streams: Sequence[str] = (),
        backoff: Backoff | None = None,
        idle_timeout: float | None = 30.0,
        instrument_timeout: float | None = None,
        instruments: Sequence[str] = (),
        connect_timeout: float = 10.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        reconnect: bool = True,
        fail_fast: bool = False,
        stable_after: float = 10.0,
        max_message_bytes: int = 1 << 20,
    ) -> None:
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError(f"idle_timeout must be above 0 (or None), got {idle_timeout}")
        if instrument_timeout is not None and instrument_timeout <= 0:
            raise ValueError(
                f"instrument_timeout must be above 0 (or None), got {instrument_timeout}"
            )
        self.name = name
        self.url = url
        self.bus = bus
        self.format: FeedFormat = format if format is not None else TickwireFormat()
        self.streams = list(streams)
        self.backoff = backoff or Backoff()
        self.idle_timeout = idle_timeout
        self.instrument_timeout = instrument_timeout
        """Seconds an instrument may go without an event before the feed is stale: the
        ``instruments`` given and every instrument seen since the feed started."""
        self.connect_timeout = connect_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.reconnect = reconnect
        self.fail_fast = fail_fast
        self.stable_after = stable_after
        """A connection that lasted this long resets the backoff to its first (immediate)
        retry; a server that accepts and drops at once is retried with growing waits."""
        self.max_message_bytes = max_message_bytes
        self.state = FeedState.STOPPED
        self.delays: list[float] = []
        """Every wait before a reconnection attempt, in seconds (for operators and tests)."""
        self._receiver = Receiver(name, url, bus)
        if instrument_timeout is not None:
            self._receiver.seen_at = dict.fromkeys(instruments, 0.0)
        self._connection: ClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._connected = asyncio.Event()
        self._held = False
        self._flowing: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self.connects = self.stale = 0

    # -- control -----------------------------------------------------------------------

    async def start(self) -> None:
        """Start the feed in the background; return once its first connection is up (or,
        failing fast, raise :class:`FeedError` if it could not be made in time)."""
        if self._runner is not None:
            raise RuntimeError(f"feed {self.name!r} is already started")
        self._stopping = asyncio.Event()
        self._connected = asyncio.Event()
        self._runner = asyncio.create_task(self._run(), name=f"feed:{self.name}")
        connected = asyncio.ensure_future(self._connected.wait())
        try:
            await asyncio.wait(
                (connected, self._runner),
                timeout=self.connect_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            connected.cancel()
        if self._failure is not None:
            raise self._failure
        if self.fail_fast and not self._connected.is_set():
            await self.stop()
            raise FeedError(
                f"feed {self.name!r}: could not connect to {self.url} "
                f"within {self.connect_timeout:g} s"
            )

    def hold(self) -> None:
        """Connect and subscribe, but read no message until :meth:`release`: what the
        server sends meanwhile waits in the connection (a node holds its feeds while its
        strategies start, so that they see the stream from its first message)."""
        self._held = True

    def release(self) -> None:
        """Start reading what :meth:`hold` kept waiting, in order."""
        self._held = False
        if self._flowing is not None:
            self._flowing.set()

    async def stop(self) -> None:
        """Close the connection and stop; the feed will not reconnect."""
        self._stopping.set()
        connection = self._connection
        if connection is not None:
            await connection.close()
        await self.wait_closed()

    async def wait_closed(self) -> None:
        """Wait until the feed has stopped (by :meth:`stop`, or by its connection ending
        when it does not reconnect)."""
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                # shielded: a waiter that gives up (a node's keep-alive loop ending) must
                # not cancel the feed itself, which would leave its connection open
                await asyncio.shield(self._runner)

    def stats(self) -> FeedStats:
        """A snapshot of the feed's counters."""
        return FeedStats(
            state=self.state,
            connects=self.connects,
            received=self.received,
            published=self.published,
            rejected=self.rejected,
            duplicates=self.duplicates,
            gaps=self.gaps,
            missing=self.missing,
            stale=self.stale,
            reconnects=max(0, self.connects - 1),
            last_message_age_s=self.last_message_age(),
        )

    def last_message_age(self) -> float | None:
        """Seconds since the last message arrived, or since the connection was made when
        none has yet (None before the first connection)."""
        if not self.connects:
            return None
        return time.monotonic() - self._receiver.last_message

    # -- the connection loop -------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            self._status(FeedState.CONNECTING, attempt)
            try:
                connection = await asyncio.wait_for(self._connect(), self.connect_timeout)
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                attempt += 1
                detail = f"cannot connect to {self.url}: {_reason(exc)}"
                if not self.reconnect:
                    self._failure = FeedError(f"feed {self.name!r}: {detail}")
                    self._status(FeedState.FAILED, attempt, detail)
                    return
                if not await self._wait_to_retry(attempt, detail):
                    break
                continue
            except InvalidURI as exc:
                self._failure = FeedError(f"feed {self.name!r}: {exc}")
                self._status(FeedState.FAILED, attempt, str(exc))
                return
            if self._stopping.is_set():  # stop() came while connecting
                await connection.close()
                break
            self.connects += 1
            opened = time.monotonic()
            detail = await self._serve(connection)
            if self._stopping.is_set() or not self.reconnect:
                break
            attempt = 1 if time.monotonic() - opened >= self.stable_after else attempt + 1
            if not await self._wait_to_retry(attempt, detail):
                break
        self._status(FeedState.STOPPED, 0)

    async def _connect(self) -> ClientConnection:
        return await connect(
            self.url,
            open_timeout=None,  # the feed's own connect timeout bounds the attempt
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            max_size=self.max_message_bytes,
            close_timeout=2,
        )

    async def _wait_to_retry(self, attempt: int, detail: str) -> bool:
        """Publish the drop and wait out the backoff; False if the feed stopped meanwhile."""
        delay = self.backoff.delay(attempt)
        self.delays.append(delay)
        self._status(FeedState.DISCONNECTED, attempt, f"{detail}; retrying in {delay:.2f} s")
        log.warning("feed %s: %s; retrying in %.2f s", self.name, detail, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)
        return not self._stopping.is_set()

    async def _serve(self, connection: ClientConnection) -> str:
        """Subscribe, then read until the connection ends; returns why it ended."""
        self._connection = connection
        watchdog: asyncio.Task[None] | None = None
        try:
            for request in self.format.subscribe_messages(self.streams):
                await connection.send(request)
            receiver = self._receiver
            receiver.connected(self.format.parse)
            receive = receiver.receive
            emit_async = self.bus.emit_async
            self._connected.set()
            self._status(FeedState.CONNECTED, 0)
            if self._held:
                self._flowing = asyncio.Event()
                await self._flowing.wait()
                receiver.connected(self.format.parse)  # its clocks start as reading does
            if self.idle_timeout is not None or self.instrument_timeout is not None:
                watchdog = asyncio.create_task(self._watch(connection))
            # recv() in a loop, not `async for`: the connection's iterator is an async
            # generator around recv(), one more frame to resume per message (~3k
            # instructions of the ~45k a message costs, callgrind). It ends the same way:
            # a normal close ends the loop, any other close raises.
            recv = connection.recv
            with contextlib.suppress(ConnectionClosedOK):
                while True:
                    pending = receive(await recv())
                    if pending is not None:
                        for event in pending:
                            await emit_async(event)
            code = connection.close_code
            return f"the server closed the connection ({code})"
        except ConnectionClosed as exc:
            return f"the connection dropped ({exc})"
        finally:
            if watchdog is not None:
                watchdog.cancel()
            self._connection = None

    async def _watch(self, connection: ClientConnection) -> None:
        """Close ``connection`` when nothing has arrived for ``idle_timeout`` seconds, or
        nothing for a watched instrument for ``instrument_timeout`` seconds."""
        receiver = self._receiver
        while True:
            now = time.monotonic()
            waits: list[float] = []
            if self.idle_timeout is not None:
                silent = now - receiver.last_message
                if silent >= self.idle_timeout:
                    await self._go_stale(connection, f"nothing received for {silent:.1f} s")
                    return
                waits.append(self.idle_timeout - silent)
            seen_at = receiver.seen_at
            if seen_at is not None and self.instrument_timeout is not None:
                for instrument, at in list(seen_at.items()):
                    silent = now - at
                    if silent >= self.instrument_timeout:
                        detail = f"nothing received for {instrument} for {silent:.1f} s"
                        await self._go_stale(connection, detail)
                        return
                    waits.append(self.instrument_timeout - silent)
            await asyncio.sleep(min(waits, default=self.instrument_timeout or 1.0))

    async def _go_stale(self, connection: ClientConnection, detail: str) -> None:
        """Mark the feed stale, say why in an ErrorEvent, and close the connection (the
        connection loop then reconnects)."""
        self.stale += 1
        self._status(FeedState.STALE, 0, detail)
        self.bus.publish(
            ErrorEvent(
                ts_event_ns=now_ns(),
                component=f"feed:{self.name}",
                error=f"stale feed {self.url}: {detail}",
                error_type="StaleFeed",
            )
        )
        await connection.close(code=4000, reason="stale feed")

    # -- counters (kept by the receiver) -------------------------------------------------

    @property
    def received(self) -> int:
        """Messages received."""
        return self._receiver.received

    @property
    def published(self) -> int:
        """Events published."""
        return self._receiver.published

    @property
    def rejected(self) -> int:
        """Messages that could not be parsed (each is a dead letter)."""
        return self._receiver.rejected

    @property
    def duplicates(self) -> int:
        """Events dropped because their stream had seen them already."""
        return self._receiver.duplicates

    @property
    def gaps(self) -> int:
        """Gaps found in the streams' sequences."""
        return self._receiver.gaps

    @property
    def missing(self) -> int:
        """Sequence numbers that never arrived, over all gaps."""
        return self._receiver.missing

    def _status(self, state: FeedState, attempt: int, detail: str = "") -> None:
        self.state = state
        self.bus.publish(
            FeedStatus(
                ts_event_ns=now_ns(),
                feed=self.name,
                url=self.url,
                state=state,
                attempt=attempt,
                detail=detail,
            )
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__
