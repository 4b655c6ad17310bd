"""A live node's heartbeats: every component that is up beats, one that fails stops."""

from __future__ import annotations

import asyncio

from tickwire.events import Bar, Heartbeat, LifecycleEvent, LifecycleState
from tickwire.node import Node, NodeConfig
from tickwire.strategy import Strategy

from .test_live_node import Client, bar


class Quiet(Strategy):
    def on_bar(self, bar: Bar) -> None:
        pass


class Breaks(Strategy):
    def on_bar(self, bar: Bar) -> None:
        raise RuntimeError("broken")


def test_every_running_component_beats_and_a_failed_strategy_stops() -> None:
    async def main() -> tuple[dict[str, int], dict[str, int], LifecycleState]:
        node = Node([Quiet(), Breaks()], config=NodeConfig(heartbeat_interval=0.02))
        node.add_feed(Client("feed", node.bus, []))
        beats: dict[str, int] = {}
        everyone = asyncio.Event()

        def on_beat(event: Heartbeat) -> None:
            beats[event.component] = beats.get(event.component, 0) + 1
            if {"execution", "feed", "Quiet", "Breaks"} <= set(beats):
                everyone.set()

        node.bus.subscribe(Heartbeat, on_beat)
        failed = asyncio.Event()  # published once its heartbeat and orders are stopped
        node.bus.subscribe(
            LifecycleEvent,
            lambda e: e.component == "Breaks" and e.state is LifecycleState.FAILED and failed.set(),
        )
        running = asyncio.create_task(node.run_async())
        await asyncio.wait_for(everyone.wait(), 10)
        node.bus.publish(bar(1))  # Breaks raises: stopped alone, under the stop policy
        await asyncio.wait_for(failed.wait(), 10)
        at_failure = dict(beats)
        quiet_then = beats["Quiet"]
        while beats["Quiet"] < quiet_then + 3:  # three more beats of the others
            await asyncio.sleep(0.01)
        node.stop()
        await asyncio.wait_for(running, 10)
        return at_failure, beats, node.states["Breaks"]

    at_failure, beats, state = asyncio.run(asyncio.wait_for(main(), 30))
    assert state is LifecycleState.FAILED
    assert beats["Breaks"] == at_failure["Breaks"]  # no beat once it failed
    assert beats["execution"] > at_failure["execution"]  # the rest beat on
