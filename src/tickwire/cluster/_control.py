"""The control channel: each process tells the gateway that it is ready, how far it has
got through the market data, and that it has finished (PUSH to the gateway's PULL)."""

from __future__ import annotations

import contextlib
import time

import zmq

from tickwire.cluster._process import RoleProcess
from tickwire.events import NodeProgress, now_ns
from tickwire.transport import FrameEncoder, topic_for
from tickwire.transport._curve import client_keys, connect
from tickwire.transport._envelope import event_tag

__all__ = ["ControlChannel"]

_TAG = event_tag(NodeProgress)


class ControlChannel:
    """``process``'s reports to the gateway; a report the gateway cannot take now (it is
    down, its queue full) is dropped: the next one says as much."""

    def __init__(self, process: RoleProcess, context: zmq.Context[zmq.Socket[bytes]]) -> None:
        self._node = process.name
        self._encoder = FrameEncoder(process.name)
        self._seq = 0
        self._ready_at = -1e9
        cluster = process.cluster
        curve = cluster.curve("gateway", process.name)
        keys = None if curve is None else client_keys(curve, "route 'control'")
        push = context.socket(zmq.PUSH)
        push.setsockopt(zmq.LINGER, 0)
        push.setsockopt(zmq.SNDHWM, 1_000)
        connect(push, cluster.endpoints.control, keys)
        self._socket = push

    def report(self, state: str, handled: int = 0) -> None:
        """Tell the gateway ``state`` (NodeProgress.READY, HANDLED or FINISHED)."""
        progress = NodeProgress(ts_event_ns=now_ns(), node=self._node, state=state, handled=handled)
        frame = self._encoder.frame(topic_for(progress).encode(), _TAG, self._seq, [progress])
        self._seq += 1
        with contextlib.suppress(zmq.Again):
            self._socket.send(frame, zmq.NOBLOCK)

    def keep_ready(self, every_s: float = 0.5) -> bool:
        """Say READY again if ``every_s`` has passed since it was last said (a gateway
        that starts, or restarts, after this process hears it); whether it was said."""
        now = time.monotonic()
        if now - self._ready_at < every_s:
            return False
        self._ready_at = now
        self.report(NodeProgress.READY)
        return True

    def close(self, linger_ms: int = 200) -> None:
        """Close, giving queued reports ``linger_ms`` to leave."""
        self._socket.setsockopt(zmq.LINGER, linger_ms)
        self._socket.close()
