"""Fixtures: the memory store (for what sits above the port), an SQLite store in tmp_path
and a PostgreSQL store in a throw-away schema (for the adapters), and sample events."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tickwire.events import (
    Bar,
    ErrorEvent,
    Event,
    EventBase,
    EventType,
    Fill,
    InfoEvent,
    OrderAccepted,
    OrderFilled,
    OrderSubmitted,
    PositionChanged,
    Side,
    Signal,
    SubmitOrder,
    Tick,
)
from tickwire.persistence import EventStore, MemoryStore, PostgresStore, SQLiteStore
from tickwire.persistence._sql import SqlStore

PG_URLS = (
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
)
PG_HOW_TO_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
RUN_PREFIX = f"tw_test_{uuid.uuid4().hex[:8]}"
"""Schema name prefix of this test run; each test gets its own schema, dropped after."""

OpenStore = Callable[[], SqlStore]


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A reachable PostgreSQL URL; skips (or fails when CI=true) if the server is down."""
    import psycopg

    urls = (
        [os.environ["TICKWIRE_TEST_POSTGRES_URL"]]
        if "TICKWIRE_TEST_POSTGRES_URL" in os.environ
        else []
    )
    errors = []
    for url in [*urls, *PG_URLS]:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.OperationalError as exc:
            errors.append(f"{url}: {str(exc).strip()}")
    message = (
        "PostgreSQL service unreachable at 127.0.0.1:5432 (database 'test', user postgres or "
        f"root; trust auth). Start it with: {PG_HOW_TO_START}. Errors: {'; '.join(errors)}"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def _opener(kind: str, request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    """Opens (again) one database of ``kind``; everything is closed (and dropped) after."""
    opened: list[SqlStore] = []
    if kind == "sqlite":
        path = request.getfixturevalue("tmp_path") / "tickwire.db"

        def open_sqlite() -> SqlStore:
            opened.append(SQLiteStore(path))
            return opened[-1]

        yield open_sqlite
        for store in opened:
            store.close()
        return
    url: str = request.getfixturevalue("pg_url")
    schema = f"{RUN_PREFIX}_{uuid.uuid4().hex[:8]}"

    def open_postgres() -> SqlStore:
        opened.append(PostgresStore(url, schema=schema))
        return opened[-1]

    yield open_postgres
    for store in opened:
        store.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    """Opens (again) one database of the parametrized kind: the SQL adapters' own tests."""
    with _opener(request.param, request) as opener:
        yield opener


@pytest.fixture
def sql_store(open_store: OpenStore) -> SqlStore:
    """An SQLite or PostgreSQL store."""
    return open_store()


@pytest.fixture
def store() -> MemoryStore:
    """The in-memory store: for the tests of what sits above the port."""
    return MemoryStore()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest) -> Iterator[EventStore]:
    """Every adapter of the port in turn: for the port's contract."""
    if request.param == "memory":
        yield MemoryStore()
        return
    with _opener(request.param, request) as opener:
        yield opener()


def bar(i: int, instrument: str = "AAPL") -> Bar:
    price = 100.0 + i * 0.25
    ts = 1_700_000_000_000_000_000 + i * 60_000_000_000
    return Bar(
        ts_event_ns=ts,
        ts_created_ns=ts + 1,
        instrument=instrument,
        open=price,
        high=price + 1,
        low=price - 1,
        close=price + 0.5,
        volume=1000.0 + i,
        interval="1m",
    )


def mixed_events(n_bars: int = 10) -> list[EventBase]:
    """Market data, a whole order lifecycle, a position and system events, interleaved."""
    events: list[EventBase] = [bar(i) for i in range(n_bars)]
    ts = events[-1].ts_event_ns
    order = SubmitOrder(ts_event_ns=ts, instrument="AAPL", side=Side.BUY, quantity=10.0)
    events += [
        Signal(ts_event_ns=ts, instrument="AAPL", side=Side.BUY, trigger_price=101.0),
        order,
        OrderSubmitted(ts_event_ns=ts, order_id=order.order_id, instrument="AAPL", order=order),
        OrderAccepted(ts_event_ns=ts, order_id=order.order_id, instrument="AAPL"),
        Tick(ts_event_ns=ts + 1, instrument="AAPL", bid=100.9, ask=101.1),
        Fill(
            ts_event_ns=ts + 2,
            order_id=order.order_id,
            instrument="AAPL",
            side=Side.BUY,
            quantity=10.0,
            price=101.1,
            commission=0.5,
        ),
        OrderFilled(
            ts_event_ns=ts + 2,
            order_id=order.order_id,
            instrument="AAPL",
            filled_quantity=10.0,
            avg_fill_price=101.1,
        ),
        PositionChanged(ts_event_ns=ts + 2, instrument="AAPL", quantity=10.0, avg_price=101.1),
        ErrorEvent(ts_event_ns=ts + 3, component="x", error="boom", original_event=events[0]),
        InfoEvent(ts_event_ns=ts + 3, component="x", message="hello"),
        Event(type=EventType.BAR, data={"close": 1.5}, source="generic"),
        bar(n_bars),
        bar(n_bars + 1),
    ]
    return events
