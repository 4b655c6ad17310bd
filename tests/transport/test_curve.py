"""CURVE routes: the right key gets through; a wrong key, or no CURVE, receives nothing
and delivers nothing, on every kind of socket; key files are checked with clear errors."""

from __future__ import annotations

import contextlib
import logging
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zmq
from zmq.utils.monitor import recv_monitor_message

from tickwire._exceptions import ConfigError
from tickwire.bus import EventBus
from tickwire.events import (
    EventBase,
    OrderAccepted,
    Side,
    Signal,
    SignalDeliveryError,
    SubmitOrder,
    Tick,
)
from tickwire.transport import (
    Curve,
    MarketDataPublisher,
    MarketDataSubscriber,
    MemoryProcessedStore,
    Pump,
    ReplyServer,
    RequestClient,
    RequestTimeout,
    SignalReceiver,
    SignalSender,
    curve_for,
    route_from_mapping,
    write_curve_keys,
)

_ANY_ADDRESS = "tcp://127.0.0.1:*"


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    """A cluster's keys (server, good), and a stranger's pair named like the good client."""
    write_curve_keys(tmp_path / "cluster", ["server", "good"])
    write_curve_keys(tmp_path / "stranger", ["good"])
    return tmp_path


def _good(keys: Path) -> Curve:
    return curve_for(keys / "cluster", server="server", client="good")


def _wrong(keys: Path) -> Curve:
    """The server's real public key, but a client key pair the server never authorised."""
    return Curve(
        server_public_key=str(keys / "cluster" / "public" / "server.key"),
        client_secret_key=str(keys / "stranger" / "secret" / "good.key_secret"),
    )


@contextlib.contextmanager
def _monitored(sock: zmq.Socket[bytes]) -> Iterator[zmq.Socket[bytes]]:
    """A monitor of ``sock``'s events; disabled before it closes (a monitor closed while
    still attached broke the handshakes of later sockets of the context)."""
    monitor = sock.get_monitor_socket()
    try:
        yield monitor
    finally:
        sock.disable_monitor()
        monitor.close()


def _handshake_failures(monitor: zmq.Socket[bytes], done: Callable[[], bool]) -> set[int]:
    """Monitor events of the server socket until it refused a wrong key (ZAP: 400) and a
    plain client (mechanism mismatch), and ``done()``; bounded."""
    wanted = {zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL}
    seen: set[int] = set()
    deadline = time.monotonic() + 20
    while not (wanted <= seen and done()) and time.monotonic() < deadline:
        if monitor.poll(50):
            seen.add(int(recv_monitor_message(monitor)["event"]))
    return seen


def test_keys_are_written_one_pair_per_process_secret_files_private(tmp_path: Path) -> None:
    pairs = write_curve_keys(tmp_path, ["gateway", "strategy-a", "gateway"])
    assert set(pairs) == {"gateway", "strategy-a"}
    assert pairs["gateway"].public == tmp_path / "public" / "gateway.key"
    assert pairs["gateway"].secret == tmp_path / "secret" / "gateway.key_secret"
    assert sorted(p.name for p in (tmp_path / "public").iterdir()) == [
        "gateway.key",
        "strategy-a.key",
    ]
    assert "secret-key" not in pairs["gateway"].public.read_text()
    assert stat.S_IMODE(pairs["gateway"].secret.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o700
    with pytest.raises(FileExistsError, match=r"gateway\.key"):
        write_curve_keys(tmp_path, ["gateway"])
    before = pairs["gateway"].public.read_text()
    write_curve_keys(tmp_path, ["gateway"], replace=True)
    assert pairs["gateway"].public.read_text() != before
    with pytest.raises(ConfigError, match=r"'\.\./x'"):
        write_curve_keys(tmp_path, ["../x"])


def test_a_subscriber_with_the_right_key_receives_and_wrong_or_plain_ones_nothing(
    keys: Path,
) -> None:
    dead = EventBus().dead_letters
    publisher = MarketDataPublisher(_ANY_ADDRESS, sender="server", curve=_good(keys))
    good: list[EventBase] = []
    wrong: list[EventBase] = []
    plain: list[EventBase] = []
    subscribers = [
        MarketDataSubscriber(publisher.bound, good.append, dead_letters=dead, curve=_good(keys)),
        MarketDataSubscriber(publisher.bound, wrong.append, dead_letters=dead, curve=_wrong(keys)),
        MarketDataSubscriber(publisher.bound, plain.append, dead_letters=dead),
    ]
    try:
        with _monitored(publisher.sockets[0]) as monitor:
            assert publisher.wait_for_subscribers(1, 20)
            for n in range(100):
                publisher.publish(Tick(ts_event_ns=n + 1, instrument="ACME", bid=1.0, ask=2.0))
            pump = Pump(subscribers)
            seen = _handshake_failures(monitor, lambda: pump.once(0) >= 0 and len(good) == 100)
        assert {zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL} <= seen
        assert len(good) == 100
        pump.once(0)
        assert wrong == [] and plain == []
        assert publisher.subscriptions == 1  # only the good client ever subscribed
    finally:
        for subscriber in subscribers:
            subscriber.close()
        publisher.close()


def _signal(n: int, sender: str) -> Signal:
    return Signal(
        ts_event_ns=1, instrument="ACME", side=Signal.BUY, trigger_price=1.0, id=f"{sender}-{n}"
    )


def test_signals_from_a_wrong_key_or_a_plain_sender_are_never_delivered(keys: Path) -> None:
    bus = EventBus()
    delivered: list[EventBase] = []
    bus.subscribe(Signal, delivered.append)
    receiver = SignalReceiver(
        _ANY_ADDRESS,
        _ANY_ADDRESS,
        bus.publish,
        store=MemoryProcessedStore(),
        dead_letters=bus.dead_letters,
        curve=_good(keys),
    )
    reports: list[EventBase] = []
    senders = {
        name: SignalSender(
            receiver.bound,
            receiver.ack_bound,
            reports.append,
            sender=name,
            dead_letters=bus.dead_letters,
            ack_timeout_ms=200,
            max_attempts=50 if name == "good" else 2,
            curve=curve,
        )
        for name, curve in (("good", _good(keys)), ("wrong", _wrong(keys)), ("plain", None))
    }
    try:
        for name, sender in senders.items():
            for n in range(5):
                sender.publish(_signal(n, name))
        pump = Pump([receiver, *senders.values()])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            senders["good"].acked < 5 or senders["wrong"].gave_up + senders["plain"].gave_up < 10
        ):
            pump.once(0.05)
        assert senders["good"].acked == 5
        assert senders["wrong"].gave_up == 5 and senders["plain"].gave_up == 5
        assert sorted(e.id for e in delivered if isinstance(e, Signal)) == [
            f"good-{n}" for n in range(5)
        ]
        assert all(isinstance(report, SignalDeliveryError) for report in reports)
    finally:
        for sender in senders.values():
            sender.close()
        receiver.close()


def _order(order_id: str) -> SubmitOrder:
    return SubmitOrder(
        ts_event_ns=1, instrument="ACME", side=Side.BUY, quantity=1.0, order_id=order_id
    )


@pytest.fixture
def order_gateway(keys: Path) -> Iterator[tuple[ReplyServer, zmq.Socket[bytes]]]:
    """A CURVE REP server answering every order with OrderAccepted, pumped on a thread."""

    def accept(event: EventBase) -> EventBase:
        assert isinstance(event, SubmitOrder)
        return OrderAccepted(ts_event_ns=1, order_id=event.order_id, instrument="ACME")

    server = ReplyServer(
        _ANY_ADDRESS, accept, sender="order-gateway", dead_letters=EventBus().dead_letters,
        curve=_good(keys),
    )  # fmt: skip
    with _monitored(server.sockets[0]) as monitor:
        stop = threading.Event()
        pumping = threading.Thread(target=Pump([server]).run, args=(stop,))
        pumping.start()
        try:
            yield server, monitor
        finally:
            stop.set()
            pumping.join(10)
    server.close()


def test_a_request_client_with_a_wrong_key_or_no_curve_gets_no_reply(
    keys: Path, order_gateway: tuple[ReplyServer, zmq.Socket[bytes]]
) -> None:
    server, monitor = order_gateway
    clients = {
        name: RequestClient(server.bound, sender=name, timeout_ms=300, retries=1, curve=curve)
        for name, curve in (("good", _good(keys)), ("wrong", _wrong(keys)), ("plain", None))
    }
    try:
        reply = clients["good"].request(_order("o-1"))
        assert isinstance(reply, OrderAccepted) and reply.order_id == "o-1"
        for name in ("wrong", "plain"):
            with pytest.raises(RequestTimeout):
                clients[name].request(_order(f"o-{name}"))
        seen = _handshake_failures(monitor, lambda: True)
        assert {zmq.EVENT_HANDSHAKE_FAILED_AUTH, zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL} <= seen
        assert server.answered == 1
    finally:
        for client in clients.values():
            client.close()


def test_missing_or_bad_key_files_are_config_errors_naming_route_field_and_path(
    keys: Path,
) -> None:
    dead = EventBus().dead_letters
    good = _good(keys)
    public = good.server_public_key
    missing = str(keys / "nowhere.key_secret")
    garbage = keys / "garbage.key_secret"
    garbage.write_text('public-key = "short"\nsecret-key = "short"\n')
    cases = [
        (Curve(server_public_key=good.server_public_key, client_secret_key=missing),
         "curve.client_secret_key: '" + missing),
        (Curve(server_public_key=good.server_public_key, client_secret_key=good.server_public_key),
         "no secret-key"),
        (Curve(server_public_key=good.server_public_key, client_secret_key=str(garbage)),
         "not a 40-character z85"),
        (Curve(client_secret_key=good.client_secret_key), "curve.server_public_key is required"),
    ]  # fmt: skip
    for curve, message in cases:
        with pytest.raises(ConfigError, match="route 'ticks'") as caught:
            MarketDataSubscriber(
                "tcp://127.0.0.1:1", print, dead_letters=dead, curve=curve, name="ticks"
            )
        assert message in str(caught.value)  # fmt: skip
    servers = [
        (Curve(server_secret_key=good.server_secret_key), "curve.authorized_clients is required"),
        (Curve(server_secret_key=good.server_secret_key, authorized_clients=str(keys / "none")),
         "not a directory"),
        (Curve(server_secret_key=good.server_secret_key, authorized_clients=str(keys)),
         "holds no public certificate"),
        (Curve(server_secret_key=public, authorized_clients=good.authorized_clients),
         "curve.server_secret_key"),
    ]  # fmt: skip
    for curve, message in servers:
        with pytest.raises(ConfigError, match="route 'ticks'") as caught:
            MarketDataPublisher(_ANY_ADDRESS, sender="server", curve=curve, name="ticks")
        assert message in str(caught.value)


def test_a_route_table_carries_its_curve_keys(keys: Path) -> None:
    good = _good(keys)
    route = route_from_mapping(
        {
            "name": "market-data",
            "endpoint": "tcp://10.0.0.5:5555",
            "event_types": ["Tick"],
            "curve": {
                "server_public_key": good.server_public_key,
                "client_secret_key": good.client_secret_key,
            },
        }
    )
    assert route.curve == Curve(
        server_public_key=good.server_public_key, client_secret_key=good.client_secret_key
    )
    with pytest.raises(ConfigError, match=r"routes\.md: .*unknown field `secret`.*curve"):
        route_from_mapping(
            {"name": "md", "endpoint": "x", "event_types": ["Tick"], "curve": {"secret": "x"}},
            where="routes.md",
        )


def test_binding_beyond_loopback_without_curve_is_logged_and_with_curve_is_not(
    keys: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tickwire.transport")
    for endpoint, curve in (("tcp://127.0.0.1:*", None), ("tcp://0.0.0.0:*", _good(keys))):
        MarketDataPublisher(endpoint, sender="server", curve=curve, name="quiet").close()
    assert caplog.records == []
    MarketDataPublisher("tcp://0.0.0.0:*", sender="server", name="open").close()
    [record] = caplog.records
    assert "route 'open' binds tcp://0.0.0.0:* without CURVE" in record.getMessage()
