"""The lifecycle loop of a live node (seed 000): start, keep alive, stop in reverse.

Components start in dependency order, each under the start timeout: the recorder (so it
records everything after), the execution chain, each data client, then the strategies,
only once everything before them is up (a strategy's ``on_start`` runs on the loop's
thread, so it is not timed out: it is plain code, not I/O). A component that fails or
times out fails the node closed: what had started is stopped in reverse order, and the
outcome is ``failed`` with the reason. Then a minimal loop waits for a stop request (``stop()``, a
signal, the duration, every data client ended, every strategy failed); the market data
itself flows through the bus by callbacks, never through this loop. The stop runs in
reverse: strategies (``on_stop``, their working orders cancelled with
``cancel_on_stop``), data clients, the bus drained (threaded queues included), the
execution chain, and last the recorder, flushed and closed with the run's status.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tickwire.clock import LiveClock
from tickwire.events import Bar, ErrorEvent, LifecycleState, Tick
from tickwire.events.system import traceback_text
from tickwire.live.heartbeat import HeartbeatPublisher
from tickwire.node._components import component_name
from tickwire.node._outcome import NodeOutcome, NodeStatus

if TYPE_CHECKING:
    from tickwire.node._node import Node
    from tickwire.strategy import Strategy

__all__ = ["EXECUTION", "RECORDER", "run_live"]

RECORDER = "recorder"
"""The recorder's component name in lifecycle events."""
EXECUTION = "execution"
"""The execution chain's (broker, risk manager, signal executor, portfolio)."""


_FIRST = 2_000_000_000
"""The priority of the default-instrument hook: before any strategy sees the event."""


class _StartFailed(Exception):
    """A component did not start (the message says which and why)."""


async def run_live(node: Node) -> NodeOutcome:
    """Run ``node``'s lifecycle loop to its end; see the module docstring."""
    loop = asyncio.get_running_loop()
    node._loop = loop
    node._stopping = asyncio.Event()
    node.bus.bind_loop(loop)
    clock = node.clock = LiveClock(loop)  # timers on this loop, whichever thread sets them
    started_at = time.perf_counter()
    stops: list[tuple[str, Callable[[], Awaitable[None]]]] = []
    beating: list[HeartbeatPublisher] = []
    status = NodeStatus.FAILED
    try:
        try:
            await _start_all(node, stops)
        except _StartFailed as exc:
            node._failure = str(exc)
        else:
            beating = _start_heartbeats(node)
            status = await _keep_alive(node)
    except asyncio.CancelledError:
        status = NodeStatus.INTERRUPTED
        raise
    finally:
        for heartbeat in beating:
            heartbeat.stop()
        await _stop_all(node, stops)
        if node._failed and status != NodeStatus.INTERRUPTED:
            status = NodeStatus.FAILED
        clock.cancel_all()
        if node.recorder is not None:  # its last event, so that the outcome counts it
            node.lifecycle(RECORDER, LifecycleState.STOPPED)
        outcome = node._outcome(status, time.perf_counter() - started_at)
        if node.recorder is not None:
            node._close_recorder(outcome)
        node._loop = None
    return outcome


async def _start_all(node: Node, stops: list[tuple[str, Callable[[], Awaitable[None]]]]) -> None:
    """Start every component in order, recording how to stop each one that started."""
    if node.recorder is not None:
        node._attach_recorder()  # first, so that it records every lifecycle event
        node.lifecycle(RECORDER, LifecycleState.STARTING)
        node.lifecycle(RECORDER, LifecycleState.RUNNING)
        stops.append((RECORDER, _nothing))
    node.lifecycle(EXECUTION, LifecycleState.STARTING)
    trader, threaded = node._wire()
    timeout = node.config.start_timeout
    if node.execution is not None:  # a venue: reconciled before anything trades
        try:
            await asyncio.wait_for(node.execution.start(), timeout)
        except Exception as exc:
            why = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            node.lifecycle(EXECUTION, LifecycleState.FAILED, why)
            node._failed.append(EXECUTION)
            raise _StartFailed(f"execution did not start: {why}") from exc
        if threaded:  # the portfolio's thread applies what reconciling found first
            await asyncio.to_thread(node.bus.wait_until_system_idle, timeout)
    node.lifecycle(EXECUTION, LifecycleState.RUNNING)
    stops.append((EXECUTION, lambda: _stop_execution(node, threaded)))
    for client in node.feeds:
        _call_if_defined(client, "hold")  # nothing flows until the strategies are up
    for client in node.feeds:
        name = component_name(client)
        node.lifecycle(name, LifecycleState.STARTING)
        try:
            await asyncio.wait_for(client.start(), timeout)
        except TimeoutError:
            stops.append((name, client.stop))
            raise _start_failed(node, name, f"did not start within {timeout:g} s") from None
        except Exception as exc:
            stops.append((name, client.stop))
            detail = f"failed to start: {type(exc).__name__}: {exc}"
            raise _start_failed(node, name, detail, exc) from exc
        node.lifecycle(name, LifecycleState.RUNNING)
        stops.append((name, client.stop))
    clock = node.clock
    _default_instrument(node)
    for strategy in node.strategies:
        name = strategy.strategy_name
        node.lifecycle(name, LifecycleState.STARTING)
        node._attach_strategy(strategy, trader, clock.now_ns)
        stops.append((name, _strategy_stop(node, strategy)))
        if not node._call_hook(strategy, "on_start", clock.now_ns()):
            strategy.detach()
            node.lifecycle(name, LifecycleState.FAILED, "on_start raised")
            node._failed.append(name)
            raise _StartFailed(f"strategy {name!r} failed to start (on_start raised)")
        if node.states.get(name) is LifecycleState.STARTING:
            node.lifecycle(name, LifecycleState.RUNNING)
    for client in node.feeds:
        _call_if_defined(client, "release")


def _start_heartbeats(node: Node) -> list[HeartbeatPublisher]:
    """A heartbeat on the node's clock for every component that is up, if configured
    (a strategy that fails stops beating: the node stops its publisher then)."""
    interval = node.config.heartbeat_interval
    if interval is None:
        return []
    beating = []
    for name, state in node.states.items():
        if state is LifecycleState.RUNNING:
            heartbeat = HeartbeatPublisher(name, node.bus, node.clock, interval)
            heartbeat.start()
            node._heartbeats[name] = heartbeat
            beating.append(heartbeat)
    return beating


def _call_if_defined(client: Any, method: str) -> None:
    """Call ``client.method()`` if the data client has it (holding is optional)."""
    call = getattr(client, method, None)
    if callable(call):
        call()


def _start_failed(
    node: Node, name: str, detail: str, exc: BaseException | None = None
) -> _StartFailed:
    """Mark data client ``name`` failed, report it as an ErrorEvent (the recorder keeps
    it), and the exception that fails the node closed."""
    node.lifecycle(name, LifecycleState.FAILED, detail)
    node._failed.append(name)
    node.bus.publish(
        ErrorEvent(
            ts_event_ns=node.clock.now_ns(),
            component=name,
            error=detail,
            error_type=type(exc).__qualname__ if exc is not None else "TimeoutError",
            traceback=traceback_text(exc) if exc is not None else "",
        )
    )
    return _StartFailed(f"data client {name!r} {detail}")


async def _keep_alive(node: Node) -> str:
    """Wait for a reason to stop; the status it gives the run."""
    stopping = node._stopping
    assert stopping is not None
    if node._stop_reason:  # stop() came before the loop was up
        return NodeStatus.STOPPED
    duration = node.config.duration
    waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(stopping.wait())}
    ended = [getattr(client, "wait_closed", None) for client in node.feeds]
    feeds_done: asyncio.Future[Any] | None = None
    if ended and all(callable(wait) for wait in ended):
        feeds_done = asyncio.ensure_future(asyncio.gather(*(wait() for wait in ended)))  # type: ignore[misc]
        waits.add(feeds_done)
    try:
        done, _ = await asyncio.wait(waits, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await asyncio.gather(*waits, return_exceptions=True)
    if not done:
        node.stop("duration")
        return NodeStatus.STOPPED
    if feeds_done is not None and feeds_done in done and not node._stop_reason:
        return NodeStatus.FINISHED_WITH_ERRORS if _had_errors(node) else NodeStatus.FINISHED
    return NodeStatus.STOPPED


def _default_instrument(node: Node) -> None:
    """Give the strategies without an instrument that of the first bar or quote, as a
    backtest gives them its data's (multi-instrument strategies pass ``instrument=``)."""
    waiting = [s for s in node.strategies if s.instrument is None]
    if not waiting:
        return
    bus = node.bus

    def first(event: Any) -> None:
        for strategy in waiting:
            if strategy.instrument is None:
                strategy.instrument = event.instrument
        bus.unsubscribe(Bar, first)
        bus.unsubscribe(Tick, first)

    bus.subscribe(Bar, first, priority=_FIRST)
    bus.subscribe(Tick, first, priority=_FIRST)


def _had_errors(node: Node) -> bool:
    return any(error.component != node.name for error in node.errors)


def _strategy_stop(node: Node, strategy: Strategy) -> Callable[[], Awaitable[None]]:
    """How to stop ``strategy`` gracefully: ``on_stop``, cancel its working orders if
    configured, then detach it (a strategy that failed is already detached and cancelled)."""

    async def stop() -> None:
        name = strategy.strategy_name
        if node.states.get(name) is LifecycleState.FAILED:
            return
        node.lifecycle(name, LifecycleState.STOPPING)
        node._call_hook(strategy, "on_stop", node.clock.now_ns())
        if node.config.cancel_on_stop:
            node.cancel_working_orders(strategy)
        strategy.detach()
        node.lifecycle(name, LifecycleState.STOPPED)

    return stop


async def _stop_execution(node: Node, threaded: bool) -> None:
    """Drain the bus, then stop the venue execution (its last commands settled)."""
    await _drain(node, threaded)
    if node.execution is not None:
        await node.execution.stop()


async def _drain(node: Node, threaded: bool) -> None:
    """Let what is in flight finish: the bus's async handlers, and in threaded mode every
    subscriber's queue, then stop their threads."""
    for _ in range(3):
        await asyncio.sleep(0)  # let tasks scheduled by the last events run
    if threaded:
        timeout = node.config.stop_timeout
        await asyncio.to_thread(node.bus.wait_until_system_idle, timeout)
        await asyncio.to_thread(node.bus.shutdown, timeout)


async def _stop_all(node: Node, stops: list[tuple[str, Callable[[], Awaitable[None]]]]) -> None:
    """Stop what started, in reverse order, each under the stop timeout; a component that
    fails to stop is marked failed and the others still stop."""
    timeout = node.config.stop_timeout
    if node.config.mode == "threaded" and node.portfolio is not None:
        # Let the strategies' thread finish what it was given before they are stopped
        # (their working orders are read then).
        await asyncio.to_thread(node.bus.wait_until_system_idle, timeout)
    for name, stop in reversed(stops):
        if name == RECORDER:
            node.lifecycle(RECORDER, LifecycleState.STOPPING)
            continue  # closed last, with the outcome's status
        was = node.states.get(name)
        is_strategy = any(s.strategy_name == name for s in node.strategies)
        if not is_strategy and was is not LifecycleState.FAILED:
            node.lifecycle(name, LifecycleState.STOPPING)
        try:
            await asyncio.wait_for(stop(), timeout)
        except TimeoutError:
            node.lifecycle(name, LifecycleState.FAILED, f"did not stop within {timeout:g} s")
            continue
        except Exception as exc:
            node.lifecycle(name, LifecycleState.FAILED, f"failed to stop: {exc}")
            continue
        if not is_strategy and was is not LifecycleState.FAILED:
            node.lifecycle(name, LifecycleState.STOPPED)


async def _nothing() -> None:
    """The recorder's stop step (it is closed after everything else has stopped)."""
