"""A shorter GIL switch interval while recorders run, restored when the last one closes.

A recorder's writer thread releases the GIL to compress and insert each batch and must then
wait for a busy publishing thread to give it back, which CPython forces only after the
switch interval (5 ms by default). A few such waits per batch made the writer fall behind
a backtest and its buffer grow by hundreds of MB; at 1 ms it keeps up. The setting is
process-wide, so it is changed only while some recorder is attached, never raised, and
put back only if nobody else changed it in the meantime.
"""

from __future__ import annotations

import sys
import threading

__all__ = ["hold_switch_interval", "release_switch_interval"]

_lock = threading.Lock()
_holders = 0
_saved = 0.0
_ours = 0.0


def hold_switch_interval(interval: float) -> None:
    """Lower ``sys.getswitchinterval()`` to at most ``interval`` until the matching release."""
    global _holders, _saved, _ours
    with _lock:
        current = sys.getswitchinterval()
        if _holders == 0:
            _saved = current
        if interval < current:
            sys.setswitchinterval(interval)
        _ours = sys.getswitchinterval()
        _holders += 1


def release_switch_interval() -> None:
    """End one hold; the last one restores the interval found by the first."""
    global _holders
    with _lock:
        _holders -= 1
        if _holders == 0 and sys.getswitchinterval() == _ours:
            sys.setswitchinterval(_saved)
