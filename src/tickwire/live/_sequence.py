# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Duplicates and gaps in the sequences a feed's streams carry."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Gap", "SequenceTracker"]


class Gap(NamedTuple):
    """Sequence numbers ``first`` to ``last`` (inclusive) never arrived: ``missing`` of them."""

    first: int
    last: int
    missing: int


class _Last:
    """One stream's last number, updated in place: one dict lookup a message, not two."""

    def __init__(self, seq: int) -> None:
        self.seq = seq


class SequenceTracker:
    """The last sequence number seen per stream key; says whether the next is new.

    A number at or below the last is a duplicate (a server replaying after a reconnect).
    With a ``step`` above 0 the numbers should follow each other by ``step`` (trade ids by
    1, one-minute klines by 60,000 ms); a jump further is a gap. With step 0 the numbers
    only have to grow (book update ids, which skip).
    """

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], _Last] = {}

    def check(self, key: tuple[str, str], seq: int, step: int) -> Gap | bool | None:
        """``False`` for a duplicate; else record ``seq`` and return the gap before it, if any
        (``None`` when there is none)."""
        stream = self._last.get(key)
        if stream is None:
            self._last[key] = _Last(seq)
            return None
        last = stream.seq
        if seq <= last:
            return False
        stream.seq = seq
        if step <= 0 or seq == last + step:
            return None
        first = last + step
        final = seq - step
        return Gap(first, final, (final - first) // step + 1)

    def last(self, key: tuple[str, str]) -> int | None:
        """The last sequence number accepted for ``key``."""
        stream = self._last.get(key)
        return None if stream is None else stream.seq
