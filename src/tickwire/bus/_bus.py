# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""The event bus: exact-type publish/subscribe with one dispatch core.

Design notes (why it looks like this):

- Dispatch tables are copy-on-write. Subscribing rebuilds nothing eagerly; it drops the
  table and each event key's route is rebuilt on its next publish. Publishing reads a
  route that never changes once built, so subscribing and unsubscribing from handlers or
  other threads is safe without taking a lock on the hot path.
- A route merges, in delivery order (priority high to low, then subscription order),
  the handlers of the exact class, of its generic :class:`EventType` category, and the
  subscribe-to-everything handlers.
- Counting is a plain ``+= 1`` on a per-key counter: compiled, it runs with the GIL
  held throughout; interpreted, CPython switches threads only at calls and backward
  jumps, never inside an attribute ``+=``, so concurrent publishers lose no counts
  (tests/bus/test_concurrency.py). Timing is a separate publish path taken only when
  enabled, so it costs one attribute test when off; it keeps each handler's last 1,024
  durations for the percentiles.
- Handler failures are isolated: each is counted, kept as a dead letter and published
  as an :class:`ErrorEvent`, and logged without flooding (``tickwire.bus.failures``).
- Subscribers with a queue and thread of their own (``tickwire.bus.threaded``) attach
  themselves to the bus when built: the idle barrier, ``shutdown`` and the stats cover
  every one of them.
- This module is compiled with mypyc (see setup.py): aliases are methods that delegate,
  since compiled classes cannot share one function under two names.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from tickwire._exceptions import BusError
from tickwire.bus._subscription import Handler, Key, Subscription
from tickwire.bus.dead_letters import DeadLetter, DeadLetterStore
from tickwire.bus.failures import FailureLog
from tickwire.bus.worker import Overflow, Worker, current_worker
from tickwire.events import ErrorEvent, Event, now_ns
from tickwire.events.system import traceback_text

if TYPE_CHECKING:
    from tickwire.bus.threaded import QueuedSubscriber, ThreadedSubscriber

__all__ = ["EventBus", "FailureSink"]

logger = logging.getLogger("tickwire.bus")
_TRACED_PER_KIND = 10
"""ErrorEvents that carry a traceback, per handler and exception type (the ones the
failure log writes line by line; later repeats are counted)."""

_RECENT_TIMINGS = 1024
"""Calls per handler whose durations give the timing percentiles (the latest ones)."""

FailureSink = Callable[[Any, str, Handler | None, Exception], None]
"""Told of every handler failure: (event, handler name, handler, exception)."""


class _Counter:
    """Events published under one key; outlives the routes rebuilt for that key."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events = 0


class _Route:
    """What publishing one event key needs, merged from its subscriptions.

    A class rather than a tuple: compiled code reads its fields directly, where a typed
    tuple is unpacked (and re-packed) on every publish.
    """

    __slots__ = ("asynchronous", "calls", "counter", "sync")

    def __init__(
        self,
        calls: tuple[Handler, ...],
        counter: _Counter,
        sync: tuple[Subscription, ...],
        asynchronous: tuple[Subscription, ...],
    ) -> None:
        self.calls = calls
        """The calls ``publish`` makes, in delivery order."""
        self.counter = counter
        """Counts the publishes of the key."""
        self.sync = sync
        self.asynchronous = asynchronous


def _add_counts(total: dict[str, int], counts: dict[str, int]) -> None:
    for name, value in counts.items():
        total[name] = total.get(name, 0) + value


def _percentile(ordered: list[int], fraction: float) -> int:
    """The value ``fraction`` of the way up ``ordered`` (nearest rank); 0 when empty (a
    handler whose first call another thread is recording)."""
    if not ordered:
        return 0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _key_name(key: Any) -> str:
    if key is None:
        return "*"
    if isinstance(key, type):
        return key.__name__
    return str.__str__(key) if isinstance(key, str) else repr(key)


class EventBus:
    """Publish/subscribe by exact event type, with priorities, filters and error isolation.

    ``publish`` (alias ``emit``) runs sync handlers in the caller's thread before it
    returns; coroutine handlers are awaited by ``emit_async`` or scheduled on the bus's
    event loop. A handler that raises never stops the others: the failure is counted,
    kept as a dead letter and published as an :class:`ErrorEvent`, and logged (the first
    few of each kind in full, then counts).

    Handlers are held strongly by default (``use_weak_refs=False``), unlike the usage
    guide's bus: held weakly, a bound method of an object nobody else keeps
    (``bus.subscribe(Bar, Logger().on_bar)``) stops being called at the next garbage
    collection, silently. ``use_weak_refs=True`` suits components that come and go: their
    handlers vanish with them (``cleanup()`` prunes the rest); plain functions and
    lambdas stay.
    """

    def __init__(
        self,
        use_weak_refs: bool = False,
        *,
        record_timings: bool = False,
        error_events: bool = True,
        dead_letter_capacity: int = 10_000,
        on_failure: FailureSink | None = None,
    ) -> None:
        self.use_weak_refs = use_weak_refs
        self.error_events = error_events
        self.dead_letters = DeadLetterStore(dead_letter_capacity)
        self._on_failure = on_failure or self._record_failure
        self._lock = threading.RLock()
        self._subs: dict[Key, list[Subscription]] = {}
        self._seq = itertools.count()
        self._dispatch: dict[Any, _Route] = {}
        self._counters: dict[Any, _Counter] = {}
        self._failures = FailureLog(logger)
        self._timings: dict[str, list[int]] | None = None
        self._recent: dict[str, list[int]] = {}
        """Per handler, its last calls' durations (ns), for the percentiles."""
        self._timed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queued: list[QueuedSubscriber] = []
        self._retired: list[Worker] = []
        """The workers of subscribers that have stopped (for their counts)."""
        if record_timings:
            self.enable_timing()

    # -- subscribing -------------------------------------------------------------------

    def subscribe(
        self,
        event_type: Key,
        handler: Handler,
        *,
        priority: int = 0,
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """Deliver events of exactly ``event_type`` (a class or an EventType) to ``handler``.

        Higher ``priority`` runs first; equal priorities run in subscription order. With
        ``filter``, only events for which it returns true are delivered. Coroutine
        functions are detected and run as async handlers.
        """
        return self._subscribe_named(event_type, handler, None, priority, filter)

    def _subscribe_named(
        self,
        event_type: Key,
        handler: Handler,
        name: str | None,
        priority: int = 0,
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """:meth:`subscribe`, with the name stats and dead letters give the handler."""
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {handler!r}")
        with self._lock:
            sub = Subscription(
                event_type,
                handler,
                priority=priority,
                seq=next(self._seq),
                filter=filter,
                weak=self.use_weak_refs,
                on_dead=self._remove_subscription,
                name=name,
            )
            self._subs.setdefault(event_type, []).append(sub)
            self._dispatch = {}
        if sub.is_async and self._loop is None:
            self._remember_running_loop()
        return sub

    def register(
        self,
        event_type: Key,
        handler: Handler,
        *,
        priority: int = 0,
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """Alias of :meth:`subscribe` (the name the Event-Driven Trading System Usage
        Guide uses)."""
        return self.subscribe(event_type, handler, priority=priority, filter=filter)

    def register_async(
        self,
        event_type: Key,
        handler: Callable[[Any], Coroutine[Any, Any, Any]],
        *,
        priority: int = 0,
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """Subscribe a coroutine handler; raises TypeError for a plain function."""
        sub = self.subscribe(event_type, handler, priority=priority, filter=filter)
        if not sub.is_async:
            self._remove_subscription(sub)
            raise TypeError(f"register_async needs a coroutine function, got {sub.name}")
        return sub

    def subscribe_all(
        self,
        handler: Handler,
        *,
        priority: int = 0,
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription:
        """Deliver every event to ``handler`` (for recorders and monitors)."""
        return self.subscribe(None, handler, priority=priority, filter=filter)

    def has_subscribers(self, event_type: Key) -> bool:
        """Whether a handler subscribed to exactly ``event_type`` (a class or an
        :class:`EventType`); handlers of every event (``subscribe_all``) do not count. Lets a
        publisher skip building events nobody asked for."""
        return bool(self._subs.get(event_type))

    def has_async_handlers(self, event_class: type) -> bool:
        """Whether publishing an event of ``event_class`` reaches a coroutine handler (of
        the class, its category or every event): a publisher that would otherwise await
        nothing calls :meth:`emit_async` only then, and :meth:`publish` otherwise."""
        route = self._dispatch.get(event_class)
        if route is None:
            route = self._build_route(event_class)
        return bool(route.asynchronous)

    def unsubscribe(self, event_type: Key, handler: Handler) -> bool:
        """Remove ``handler`` from ``event_type``; returns whether it was subscribed."""
        with self._lock:
            subs = self._subs.get(event_type, [])
            kept = [s for s in subs if not s.matches(handler)]
            if len(kept) == len(subs):
                return False
            self._subs[event_type] = kept
            self._dispatch = {}
            return True

    def unregister(self, event_type: Key, handler: Handler) -> bool:
        """Alias of :meth:`unsubscribe`."""
        return self.unsubscribe(event_type, handler)

    def unsubscribe_all(self, handler: Handler) -> int:
        """Remove ``handler`` from every key (including subscribe_all); returns how many."""
        with self._lock:
            removed = 0
            for key, subs in self._subs.items():
                kept = [s for s in subs if not s.matches(handler)]
                removed += len(subs) - len(kept)
                self._subs[key] = kept
            self._dispatch = {}
            return removed

    def cleanup(self) -> int:
        """Drop subscriptions whose weakly held handler is gone; returns how many."""
        with self._lock:
            removed = 0
            for key, subs in self._subs.items():
                kept = [s for s in subs if s.alive]
                removed += len(subs) - len(kept)
                self._subs[key] = kept
            self._dispatch = {}
            return removed

    def _remove_subscription(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.key, [])
            if sub in subs:
                subs.remove(sub)
                self._dispatch = {}

    def _build_route(self, key: Any) -> _Route:
        with self._lock:
            subs = list(self._subs.get(key, ()))
            if isinstance(key, type):
                category = getattr(key, "event_type", None)
                if category is not None:
                    subs += self._subs.get(category, ())
            else:  # a generic Event's category: subscribers of the Event class get it too
                subs += self._subs.get(Event, ())
            subs += self._subs.get(None, ())
            subs.sort(key=lambda s: (-s.priority, s.seq))
            sync = tuple(s for s in subs if not s.is_async)
            asynchronous = tuple(s for s in subs if s.is_async)
            calls = tuple(s.call for s in sync)
            if asynchronous:
                # Scheduling the async handlers is the last call of a sync publish, so the
                # hot path needs no check for them.
                def schedule(event: Any) -> None:
                    self._schedule_async(event, asynchronous)

                calls += (schedule,)
            counter = self._counters.get(key)
            if counter is None:
                counter = self._counters[key] = _Counter()
            route = _Route(calls, counter, sync, asynchronous)
            self._dispatch[key] = route
            return route

    def _route(self, event: Any) -> _Route:
        """The route for an event whose class has none cached (or a generic Event)."""
        key = event.type if type(event) is Event else type(event)
        route = self._dispatch.get(key)
        return self._build_route(key) if route is None else route

    # -- publishing --------------------------------------------------------------------

    def publish(self, event: Any) -> None:
        """Deliver ``event`` to its handlers now, in the caller's thread."""
        if self._timed:
            self._publish_timed(event)
            return
        route = self._dispatch.get(type(event))
        if route is None:
            route = self._route(event)
        route.counter.events += 1
        for call in route.calls:
            try:
                call(event)
            except Exception as exc:
                self._failed(event, route, call, exc)

    def emit(self, event: Any) -> None:
        """Alias of :meth:`publish`."""
        self.publish(event)

    def _publish_timed(self, event: Any) -> None:
        route = self._dispatch.get(type(event))
        if route is None:
            route = self._route(event)
        route.counter.events += 1
        timings = self._timings
        assert timings is not None
        clock = time.perf_counter_ns
        for sub in route.sync:
            start = clock()
            try:
                sub.call(event)
            except Exception as exc:
                self._failed(event, route, sub.call, exc)
            elapsed = clock() - start
            record = timings.get(sub.name)
            if record is None:
                record = timings.setdefault(sub.name, [0, 0, 0])
            calls = record[0] = record[0] + 1
            record[1] += elapsed
            if elapsed > record[2]:
                record[2] = elapsed
            recent = self._recent.get(sub.name)
            if recent is None:
                recent = self._recent.setdefault(sub.name, [])
            if len(recent) < _RECENT_TIMINGS:
                recent.append(elapsed)
            else:  # a ring: the oldest goes
                recent[calls % _RECENT_TIMINGS] = elapsed
        if route.asynchronous:
            self._schedule_async(event, route.asynchronous)

    def enable_timing(self, enabled: bool = True) -> None:
        """Turn per-handler timing on or off (off by default: it costs two clock reads per
        handler call). ``get_stats()["handler_timings"]`` then gives each handler's calls,
        total, mean and worst time, and the p50 and p99 of its last 1,024 calls."""
        if enabled and self._timings is None:
            self._timings = {}
        self._timed = enabled

    async def emit_async(self, event: Any) -> None:
        """Deliver ``event``: sync handlers first, then await each async handler in order."""
        if self._loop is None:
            self._remember_running_loop()
        route = self._dispatch.get(type(event))
        if route is None:
            route = self._route(event)
        route.counter.events += 1
        for sub in route.sync:
            try:
                sub.call(event)
            except Exception as exc:
                self._on_failure(event, sub.name, sub.handler, exc)
        for sub in route.asynchronous:
            try:
                await sub.call(event)
            except Exception as exc:
                self._on_failure(event, sub.name, sub.handler, exc)

    async def publish_async(self, event: Any) -> None:
        """Alias of :meth:`emit_async`."""
        await self.emit_async(event)

    def bind_loop(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Run async handlers on ``loop`` (default: the running loop) when published from
        other threads."""
        self._loop = loop or asyncio.get_running_loop()

    def publish_threadsafe(self, event: Any) -> None:
        """Deliver ``event`` on the bound event loop's thread; safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise RuntimeError("publish_threadsafe needs a running loop: call bind_loop() first")
        loop.call_soon_threadsafe(self.publish, event)

    def _remember_running_loop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop = asyncio.get_running_loop()

    def _schedule_async(self, event: Any, subs: tuple[Subscription, ...]) -> None:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            for sub in subs:
                task = running.create_task(self._run_async(sub, event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return
        loop = self._loop
        if loop is not None and loop.is_running():
            for sub in subs:
                asyncio.run_coroutine_threadsafe(self._run_async(sub, event), loop)
            return
        # No loop anywhere: run the coroutines to completion here, in order.
        for sub in subs:
            asyncio.run(self._run_async(sub, event))

    async def _run_async(self, sub: Subscription, event: Any) -> None:
        try:
            await sub.call(event)
        except Exception as exc:
            self._on_failure(event, sub.name, sub.handler, exc)

    # -- failures ----------------------------------------------------------------------

    def _failed(self, event: Any, route: _Route, call: Handler, exc: Exception) -> None:
        sub = next((s for s in route.sync if s.call is call), None)
        name = sub.name if sub is not None else repr(call)
        self._on_failure(event, name, sub.handler if sub is not None else call, exc)

    def _record_failure(
        self, event: Any, name: str, handler: Handler | None, exc: Exception
    ) -> None:
        count = self._failures.record(name, event, exc)
        self.dead_letters.add(DeadLetter(event, name, exc, handler=handler))
        if self.error_events and type(event) is not ErrorEvent:
            self.publish(
                ErrorEvent(
                    ts_event_ns=getattr(event, "ts_event_ns", None) or now_ns(),
                    component=name,
                    error=str(exc),
                    error_type=type(exc).__qualname__,
                    original_event=event,
                    # The first few of a kind say where; a traceback per repeat would
                    # cost more than the failure itself when a handler fails on every event.
                    traceback=traceback_text(exc) if count <= _TRACED_PER_KIND else "",
                )
            )

    # -- subscribers with a thread of their own ----------------------------------------

    def threaded_subscriber(
        self,
        name: str,
        *,
        maxsize: int = 0,
        overflow: Overflow | str = "block",
    ) -> ThreadedSubscriber:
        """A subscriber with its own queue and worker thread, started and attached."""
        from tickwire.bus.threaded import ThreadedSubscriber

        return ThreadedSubscriber(self, name, maxsize=maxsize, overflow=overflow)

    def _attach(self, sub: QueuedSubscriber) -> None:
        """Include ``sub`` in the idle barrier, ``shutdown`` and the stats (every
        subscriber with a thread of its own calls this when it is built)."""
        with self._lock:
            self._queued.append(sub)

    def _detach(self, sub: QueuedSubscriber) -> None:
        """Forget ``sub``, whose thread has stopped, keeping its retired worker for the
        counts (so that the bus holds on to no stopped subscriber or its handlers)."""
        with self._lock:
            if sub in self._queued:
                self._queued.remove(sub)
                self._retired.append(sub.worker)

    def _refuse_own_thread(self, what: str) -> None:
        """Raise BusError when the caller runs on the thread of one of this bus's
        subscribers: ``what`` would wait for that thread, which is busy calling it."""
        me = current_worker()
        if me is not None and any(sub.worker is me for sub in list(self._queued)):
            raise BusError(
                f"{what} was called by a handler on the thread of subscriber {me.name!r}; "
                "it would wait for that subscriber, which is busy running the handler, so "
                "it would never return. Call it from the thread that feeds the bus."
            )

    def wait_until_system_idle(self, timeout: float | None = None) -> bool:
        """Block until every subscriber with a thread of its own has drained its queue,
        including events they publish to each other. Returns False if ``timeout`` ran
        out first; raises BusError when called from one of those threads (it would wait
        for itself)."""
        self._refuse_own_thread("wait_until_system_idle()")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            subs = list(self._queued)
            before = sum(s.delivered for s in subs)
            all_idle = True
            for sub in subs:
                if not sub.is_idle:
                    all_idle = False
                    left = None if deadline is None else max(0.0, deadline - time.monotonic())
                    if not sub.wait_until_idle(left):
                        return False
            if all_idle and sum(s.delivered for s in subs) == before:
                return True

    def publish_staged(self, event: Any) -> None:
        """Publish one priority level at a time, waiting for the system to go idle
        between levels.

        With threaded subscribers this reproduces what nested synchronous delivery
        gives: everything a higher-priority subscriber does with the event (and the
        events that causes) is finished before a lower-priority one sees it.
        """
        route = self._dispatch.get(type(event))
        if route is None:
            route = self._route(event)
        route.counter.events += 1
        level: int | None = None
        for sub in route.sync:
            if level is not None and sub.priority != level:
                self.wait_until_system_idle()
            level = sub.priority
            try:
                sub.call(event)
            except Exception as exc:
                self._failed(event, route, sub.call, exc)
        self.wait_until_system_idle()
        if route.asynchronous:
            self._schedule_async(event, route.asynchronous)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Stop every subscriber with a thread of its own, within ``timeout`` seconds in
        all, and log the failure counts not yet logged.

        Subscribers stop in the order they were built, each after processing what is
        queued for it; from then on it gets nothing (events that reach it while it stops
        are rejected, and counted), so what a later one publishes to an earlier one is
        not delivered. True when every thread has stopped; False when the timeout ran
        out (see :meth:`ThreadedSubscriber.shutdown`). Raises BusError when called from
        one of those threads.
        """
        self._refuse_own_thread("shutdown()")
        deadline = None if timeout is None else time.monotonic() + timeout
        stopped = True
        for sub in list(self._queued):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            stopped = sub.shutdown(left) and stopped
        self._failures.flush()
        return stopped

    # -- statistics --------------------------------------------------------------------

    def get_stats(self) -> dict[str, Any]:
        """Handlers, per-type event counts, failures (in all and by handler and exception
        type), dead letters, what each subscriber with a thread of its own received,
        delivered, dropped and rejected, and per-handler timings when enabled."""
        with self._lock:
            subs = [s for group in self._subs.values() for s in group]
            handlers_by_type: dict[str, int] = {}
            for s in subs:
                if s.alive:
                    name = _key_name(s.key)
                    handlers_by_type[name] = handlers_by_type.get(name, 0) + 1
            counts = {_key_name(k): c.events for k, c in self._counters.items()}
            workers = self._retired + [q.worker for q in self._queued]
        by_subscriber: dict[str, dict[str, int]] = {}
        for worker in workers:
            _add_counts(by_subscriber.setdefault(worker.name, {}), worker.counts())
        failures = self._failures.counts()
        stats: dict[str, Any] = {
            "active_handlers": sum(handlers_by_type.values()),
            "handlers_by_type": handlers_by_type,
            "event_counts": {k: v for k, v in counts.items() if v},
            "total_events": sum(counts.values()),
            "errors": sum(n for by_type in failures.values() for n in by_type.values()),
            "failures": failures,
            "dead_letters": len(self.dead_letters),
            "subscribers": by_subscriber,
            "drops": {name: c["dropped"] for name, c in by_subscriber.items()},
            "queue_depths": {name: c["queued"] for name, c in by_subscriber.items()},
        }
        if self._timings is not None:
            timings: dict[str, Any] = {}
            for name, (calls, total, worst) in list(self._timings.items()):
                recent = sorted(self._recent.get(name, ()))
                timings[name] = {
                    "calls": calls,
                    "total_ns": total,
                    "mean_ns": total / calls if calls else 0.0,
                    "max_ns": worst,
                    "p50_ns": _percentile(recent, 0.5),
                    "p99_ns": _percentile(recent, 0.99),
                }
            stats["handler_timings"] = timings
        return stats
