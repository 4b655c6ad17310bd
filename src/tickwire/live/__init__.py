"""Live connections: feeds that turn external messages into bus events."""

from tickwire.live.websocket import WebSocketEmitter

__all__ = ["WebSocketEmitter"]
