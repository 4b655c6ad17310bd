"""A child process for the signal tests: a live node recording into SQLite, fed by an
in-memory data client that publishes a bar every millisecond.

``python signal_child.py DB [slow-stop]``. It prints ``ready`` once the strategy has seen
50 bars, ``stopping N`` (N: events committed so far) when its data client starts to
stop, and at the end one JSON line with the outcome and the bus's event count.
"""

from __future__ import annotations

import asyncio
import json
import sys

from tickwire.bus import EventBus
from tickwire.events import Bar, LifecycleEvent, LifecycleState
from tickwire.node import Node, NodeConfig
from tickwire.persistence import Recorder, SQLiteStore
from tickwire.strategy import Strategy

MINUTE = 60_000_000_000


class Pulse:
    """Publishes a bar every millisecond on the node's loop until stopped."""

    name = "pulse"

    def __init__(self, bus: EventBus, slow_stop: bool) -> None:
        self.bus = bus
        self.slow_stop = slow_stop
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._publish())

    async def _publish(self) -> None:
        n = 0
        while True:
            n += 1
            price = 100.0 + n % 5
            self.bus.publish(
                Bar(
                    ts_event_ns=n * MINUTE,
                    instrument="ACME",
                    open=price,
                    high=price + 1,
                    low=price - 1,
                    close=price,
                    volume=1_000.0,
                    interval="1m",
                )
            )
            await asyncio.sleep(0.001)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.slow_stop:
            await asyncio.sleep(120)  # a stop that hangs: only a second Ctrl-C ends it


class Trades(Strategy):
    """Buys on every tenth bar; tells the parent when it has seen 50."""

    def on_start(self) -> None:
        self.bars = 0

    def on_bar(self, bar: Bar) -> None:
        self.bars += 1
        if self.bars % 10 == 0:
            self.buy(1)
        if self.bars == 50:
            print("ready", flush=True)


def main() -> None:
    bus = EventBus()
    recorder = Recorder(SQLiteStore(sys.argv[1]), strategy="Trades", flush_interval=0.05)
    slow = len(sys.argv) > 2 and sys.argv[2] == "slow-stop"

    def on_lifecycle(event: LifecycleEvent) -> None:
        if event.component == "pulse" and event.state is LifecycleState.STOPPING:
            recorder.flush()
            print(f"stopping {recorder.recorded}", flush=True)

    bus.subscribe(LifecycleEvent, on_lifecycle)
    node = Node(
        Trades(),
        feeds=[Pulse(bus, slow)],
        bus=bus,
        recorder=recorder,
        config=NodeConfig(stop_timeout=300),
    )
    outcome = node.run()
    report = {
        "status": outcome.status,
        "stopped_by": outcome.stopped_by,
        "exit_code": outcome.exit_code,
        "published": bus.get_stats()["total_events"],
        "run_id": recorder.run_id,
    }
    print(json.dumps(report), flush=True)
    sys.exit(outcome.exit_code)


if __name__ == "__main__":
    main()
