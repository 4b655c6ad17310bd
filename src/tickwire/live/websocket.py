"""Seed 003's websocket API: ``WebSocketEmitter`` (a feed) and ``WebSocketHandler``.

::

    ws_handler = WebSocketHandler("market_data_handler")
    event_bus.register_async(EventType.WEBSOCKET, ws_handler.handle)
    ws_emitter = WebSocketEmitter("exchange_feed", "wss://exchange.com/ws", event_bus=event_bus)
    await ws_emitter.start()

The emitter is a :class:`~tickwire.live.WebSocketFeed`: it reconnects, resubscribes,
drops duplicates and reports gaps. Events of the ``WEBSOCKET`` category are the feed's
connection states (:class:`~tickwire.events.FeedStatus`) and, while something subscribes
to them, the raw messages (:class:`~tickwire.events.WebSocketMessage`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tickwire.bus import EventBus
from tickwire.events import FeedState, FeedStatus, WebSocketMessage
from tickwire.live.feed import WebSocketFeed

__all__ = ["WebSocketEmitter", "WebSocketHandler"]


class WebSocketEmitter(WebSocketFeed):
    """Seed 003's name for a websocket feed: ``WebSocketEmitter(name, url, event_bus=bus)``;
    every option of :class:`~tickwire.live.WebSocketFeed` is accepted by keyword."""

    def __init__(self, name: str, url: str, event_bus: EventBus, **options: Any) -> None:
        super().__init__(name, url, event_bus, **options)

    @property
    def event_bus(self) -> EventBus:
        return self.bus


class WebSocketHandler:
    """Receives a feed's ``WEBSOCKET`` events (register :meth:`handle` for that category):
    keeps each feed's connection state and counts its messages, and passes messages and
    state changes on to the optional callbacks."""

    def __init__(
        self,
        name: str,
        *,
        on_message: Callable[[WebSocketMessage], Awaitable[None] | None] | None = None,
        on_status: Callable[[FeedStatus], Awaitable[None] | None] | None = None,
    ) -> None:
        self.name = name
        self.on_message = on_message
        self.on_status = on_status
        self.states: dict[str, FeedState] = {}
        """The latest connection state of each feed, by feed name."""
        self.messages = 0
        self.last_message: WebSocketMessage | None = None

    async def handle(self, event: Any) -> None:
        """Take one ``WEBSOCKET`` event (other events are ignored)."""
        if isinstance(event, WebSocketMessage):
            self.messages += 1
            self.last_message = event
            callback: Callable[[Any], Awaitable[None] | None] | None = self.on_message
        elif isinstance(event, FeedStatus):
            self.states[event.feed] = event.state
            callback = self.on_status
        else:
            return
        if callback is not None:
            result = callback(event)
            if result is not None:
                await result
