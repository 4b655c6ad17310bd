"""Clocks: market time in a backtest, wall time live, with timers and alerts on it.

Components that need the time or a timer take a :class:`Clock`; the composition root
gives them a :class:`BacktestClock` (moved by the engine, deterministic) or a
:class:`LiveClock` (wall time, timers on the asyncio loop). Both fire a
:class:`~tickwire.events.TimerEvent` stamped with the time it was due.
"""

from tickwire.clock._port import Clock, TimerCallback
from tickwire.clock.backtest import BacktestClock
from tickwire.clock.live import LiveClock

__all__ = ["BacktestClock", "Clock", "LiveClock", "TimerCallback"]
