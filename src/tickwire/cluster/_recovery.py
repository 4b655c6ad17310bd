"""How a process that restarts mid-session rebuilds its books: it asks the order gateway
for the session's fills (over the orders REQ/REP socket, a page at a time) and applies
them before it trades, skipping those its executions subscription delivers again."""

from __future__ import annotations

from tickwire._exceptions import TransportError
from tickwire.events import Fill, FillHistory, FillsQuery, now_ns
from tickwire.transport import RequestClient

__all__ = ["session_fills"]


def session_fills(client: RequestClient) -> list[Fill]:
    """Every fill of the session so far, in the order the order gateway made them."""
    fills: list[Fill] = []
    after = 0
    while True:
        reply = client.request(FillsQuery(ts_event_ns=now_ns(), after=after))
        if not isinstance(reply, FillHistory):
            raise TransportError(
                f"the order gateway answered a fills query with a {type(reply).__name__}"
            )
        fills.extend(reply.fills)
        after = reply.next
        if reply.complete:
            return fills
