# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Gap detection: each sender numbers its events per topic; a jump means lost messages."""

from __future__ import annotations

from tickwire.events import FeedGap, now_ns

__all__ = ["GapTracker"]


class GapTracker:
    """Expects ``seq`` to continue where the last message of a (sender, topic) ended.

    A jump forward is a gap (a :class:`FeedGap`: ``feed`` the sender, ``stream`` the
    topic); a step back is the sender restarting (counted, not a gap). At most
    ``max_streams`` streams are followed; the oldest is forgotten past that, so senders
    that are not trusted cannot grow it without bound.
    """

    __slots__ = ("_next", "gaps", "max_streams", "missing", "restarts")

    def __init__(self, max_streams: int = 100_000) -> None:
        self._next: dict[tuple[str, str], int] = {}
        self.max_streams = max_streams
        self.gaps = 0
        self.missing = 0
        """Events missing in all the gaps found."""
        self.restarts = 0

    def check(self, sender: str, topic: str, seq: int, count: int) -> FeedGap | None:
        """Record a message of ``count`` events from ``seq``; the gap before it, if any."""
        key = (sender, topic)
        following = self._next
        expected = following.get(key)
        following[key] = seq + count
        if expected is None:
            if len(following) > self.max_streams:
                del following[next(iter(following))]
            return None
        if seq == expected:
            return None
        if seq < expected:
            self.restarts += 1
            return None
        missing = seq - expected
        self.gaps += 1
        self.missing += missing
        return FeedGap(
            ts_event_ns=now_ns(),
            feed=sender,
            instrument=topic.partition(".")[2],
            stream=topic,
            first_missing=expected,
            last_missing=seq - 1,
            missing=missing,
        )
