"""The ZeroMQ context and socket options every transport component shares."""

from __future__ import annotations

from collections.abc import Callable

import zmq

__all__ = ["context_or_default", "drain", "receiving_socket"]


def context_or_default(
    context: zmq.Context[zmq.Socket[bytes]] | None,
) -> zmq.Context[zmq.Socket[bytes]]:
    """``context``, or the process's shared ZeroMQ context."""
    return context if context is not None else zmq.Context.instance()


def receiving_socket(
    context: zmq.Context[zmq.Socket[bytes]],
    kind: int,
    *,
    high_water_mark: int,
    max_message_bytes: int,
) -> zmq.Socket[bytes]:
    """A socket for untrusted input: bounded queue, bounded message size, no linger."""
    sock = context.socket(kind)
    sock.setsockopt(zmq.RCVHWM, high_water_mark)
    sock.setsockopt(zmq.MAXMSGSIZE, max_message_bytes)
    sock.setsockopt(zmq.LINGER, 0)
    return sock


def drain(sock: zmq.Socket[bytes], handle: Callable[[bytes], object], burst: int) -> int:
    """Hand each frame waiting on ``sock`` to ``handle``, at most ``burst`` of them
    (so that one busy socket cannot starve the others a pump serves); how many."""
    for count in range(burst):
        try:
            frame = sock.recv(zmq.NOBLOCK)
        except zmq.Again:
            return count
        handle(frame)
    return burst
