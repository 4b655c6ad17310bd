"""Market data in one process over inproc sockets: batching by count and by age, prefix
subscriptions, bad frames kept as dead letters, gaps in a sender's sequence."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import pytest
import zmq

from tickwire.bus import EventBus
from tickwire.events import ErrorEvent, EventBase, FeedGap, Tick
from tickwire.transport import Batching, MarketDataPublisher, MarketDataSubscriber, Pump
from tickwire.transport._sequence import GapTracker

_names = itertools.count()


def _endpoint() -> str:
    return f"inproc://pubsub-{next(_names)}"


def _tick(n: int, instrument: str = "ACME") -> Tick:
    return Tick(ts_event_ns=n + 1, instrument=instrument, bid=1.0, ask=2.0)


def _pump_until(pump: Pump, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not done() and time.monotonic() < deadline:
        pump.once(0.05)
    assert done()


_open: list[MarketDataPublisher | MarketDataSubscriber] = []


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def _subscribed(
    topics: tuple[str, ...] = (),
) -> tuple[MarketDataPublisher, MarketDataSubscriber, list[EventBase], Pump, list[int]]:
    now = [0]
    endpoint = _endpoint()
    bus = EventBus()
    got: list[EventBase] = []
    for kind in (Tick, FeedGap, ErrorEvent):
        bus.subscribe(kind, got.append)
    publisher = MarketDataPublisher(
        endpoint,
        sender="gw",
        batching=Batching(max_events=3, max_delay_us=1_000),
        clock=lambda: now[0],
    )
    subscriber = MarketDataSubscriber(
        endpoint, bus.publish, dead_letters=bus.dead_letters, topics=topics
    )
    _open.extend((publisher, subscriber))
    assert publisher.wait_for_subscribers(max(1, len(topics)), 10)
    return publisher, subscriber, got, Pump([publisher, subscriber]), now


def test_events_go_out_in_batches_of_max_events_or_when_the_oldest_is_max_delay_old() -> None:
    publisher, subscriber, got, pump, now = _subscribed()
    for n in range(7):
        publisher.publish(_tick(n))
    assert publisher.stats()["sent_messages"] == 2 and publisher.stats()["pending_events"] == 1
    now[0] = 999_999  # 1 µs short of the delay
    publisher.poll()
    assert publisher.stats()["sent_messages"] == 2
    now[0] = 1_000_000
    publisher.poll()
    assert publisher.stats()["sent_messages"] == 3
    _pump_until(pump, lambda: len(got) == 7)
    assert [event.ts_event_ns for event in got] == list(range(1, 8))
    assert subscriber.stats()["received_messages"] == 3
    assert subscriber.stats()["gaps"] == 0
    assert publisher.stats()["guarantee"] == "at-most-once"


def test_a_topic_is_exact_unless_it_ends_with_a_dot() -> None:
    publisher, _, got, pump, _ = _subscribed(topics=("TICK.ACME",))
    for instrument in ("ACMEX", "OTHER", "ACME"):
        publisher.publish(_tick(0, instrument))
    publisher.flush()
    _pump_until(pump, lambda: len(got) == 1)
    pump.once(0.1)
    assert [getattr(event, "instrument", None) for event in got] == ["ACME"]
    prefix_publisher, _, prefixed, prefix_pump, _ = _subscribed(topics=("TICK.",))
    for instrument in ("ACMEX", "OTHER"):
        prefix_publisher.publish(_tick(0, instrument))
    prefix_publisher.flush()
    _pump_until(prefix_pump, lambda: len(prefixed) == 2)


def test_a_bad_frame_becomes_an_error_event_and_a_dead_letter_and_the_socket_goes_on() -> None:
    endpoint = _endpoint()
    bus = EventBus()
    got: list[EventBase] = []
    bus.subscribe(Tick, got.append)
    bus.subscribe(ErrorEvent, got.append)
    subscriber = MarketDataSubscriber(endpoint, bus.publish, dead_letters=bus.dead_letters)
    _open.append(subscriber)
    raw = zmq.Context.instance().socket(zmq.PUB)
    raw.bind(endpoint)
    good = MarketDataPublisher(_endpoint(), sender="gw")  # its encoder, on the raw socket
    frame = bytes(good._encoder.frame(b"TICK.ACME", "Tick", 0, [_tick(0)]))
    pump = Pump([subscriber])
    deadline = time.monotonic() + 10
    while not any(isinstance(e, Tick) for e in got) and time.monotonic() < deadline:
        raw.send(b"TICK.ACME \x93garbage")  # until the subscription has reached the PUB
        raw.send(frame)
        pump.once(0.05)
    raw.close()
    good.close()
    errors = [event for event in got if isinstance(event, ErrorEvent)]
    assert errors and errors[0].original_event == b"TICK.ACME \x93garbage"
    assert (
        errors[0].error_type == "DecodeError" and "envelope (topic 'TICK.ACME')" in errors[0].error
    )
    letters = bus.dead_letters.list()
    assert letters[0].event == b"TICK.ACME \x93garbage"
    assert letters[0].handler_name == "transport.market-data"
    assert subscriber.stats()["rejected_frames"] == len(errors)


def test_gaps_are_jumps_forward_and_a_step_back_is_a_restart() -> None:
    gaps = GapTracker()
    assert gaps.check("gw", "TICK.ACME", 10, 5) is None  # joined late: not a gap
    assert gaps.check("gw", "TICK.ACME", 15, 1) is None
    gap = gaps.check("gw", "TICK.ACME", 20, 1)
    assert gap is not None
    assert (gap.first_missing, gap.last_missing, gap.missing) == (16, 19, 4)
    assert (gap.feed, gap.instrument, gap.stream) == ("gw", "ACME", "TICK.ACME")
    assert gaps.check("gw", "TICK.OTHER", 0, 1) is None  # each topic counts on its own
    assert gaps.check("gw", "TICK.ACME", 0, 1) is None
    assert (gaps.gaps, gaps.missing, gaps.restarts) == (1, 4, 1)


def test_the_streams_followed_are_bounded() -> None:
    gaps = GapTracker(max_streams=2)
    for sender in ("a", "b", "c"):
        gaps.check(sender, "TICK.X", 0, 1)
    assert gaps.check("a", "TICK.X", 5, 1) is None  # "a" was forgotten: no gap claimed
    assert gaps.check("c", "TICK.X", 5, 1) is not None
