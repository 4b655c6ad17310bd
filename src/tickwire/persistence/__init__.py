"""Recording and replaying runs: every event of a run, with its metadata, in a database.

Use::

    store = open_store()                 # SQLite file (see below), or open_store("postgresql://...")
    with Recorder(store, strategy="ema_cross", parameters={"fast": 10}).attach(bus) as rec:
        ...                              # publish; Ctrl-C here loses nothing
        rec.set_summary({"pnl": 12.5})
    for event in store.iter_events(rec.run_id, types=[Fill]):
        ...
    replay(store, rec.run_id, other_bus)
    export_run(store, rec.run_id, what="fills", path="fills.parquet")

Where: SQLite by default, in ``$TICKWIRE_HOME/tickwire.db`` or else ``tickwire.db`` in
the user data folder (``platformdirs.user_data_dir("tickwire")``); any path or
``sqlite:///path``; or PostgreSQL by ``postgresql://`` URL, with the tables in their own
schema (``tickwire`` unless given), written with binary COPY.

Schema (both databases)::

    runs(run_id PK, strategy, parameters JSON, data_sources JSON, tickwire_version,
         started_ns, ended_ns, status, summary JSON, event_count)
    events(run_id, seq, last_seq, event_types, type_codes, ts_event_ns, last_ts_event_ns,
           encoding, payload, PRIMARY KEY (run_id, seq))

An ``events`` row holds the consecutive events ``seq`` to ``last_seq`` (publish order, from
0), of any types, up to 16384 of them: a recorder batch, so a million-bar backtest makes a
few hundred rows. Its payload is a msgpack array of ``tickwire.events.encode`` outputs
(zstd-compressed when over 2 KB, as ``encoding`` says); ``event_types`` lists the distinct
type names in the row (comma-separated) and ``type_codes`` gives, per event, the position
of its type in that list (NULL when there is one type), so that a type filter skips rows
without a wanted type and decodes only the wanted events; the timestamps are the first and
last event's ``ts_event_ns``. Schema version 3 introduced this layout; version 2 stored
one row per run of same-type events, which interleaved orders and fills made tiny and
numerous, and upgrading converts such rows in place.

Recording: the bus handler (``_capture``, compiled) encodes events 64 at a time in the
publishing thread and keeps only their bytes; every ``batch_size`` events it builds the
rows, which a writer thread compresses and inserts in one statement. While recorders are
attached the interpreter's GIL switch interval is at most 1 ms (``switch_interval``;
restored after), without which the writer waits too long for the GIL after each
compression and insert and falls behind; while two or more batches wait, it stores them
uncompressed until it has caught up, so memory stays bounded.

Migrations: ``schema_version`` has one row per applied migration. Opening a store
applies, in one transaction (under an advisory lock on PostgreSQL), every migration in
``_schema.MIGRATIONS`` newer than the database, so opening is idempotent and a database
written by an older tickwire is upgraded in place; a newer database is refused. To change
the schema, append a ``Migration(version=N + 1, ...)`` with statements for both SQLite
and PostgreSQL; never edit a released one.
"""

from tickwire.persistence._schema import MIGRATIONS, Migration, latest_version
from tickwire.persistence._types import EventRecord, RunInfo, RunNotFound, RunStatus, StoreError
from tickwire.persistence.export import export_run
from tickwire.persistence.postgres import PostgresStore
from tickwire.persistence.recorder import RECORDER_PRIORITY, Recorder
from tickwire.persistence.replay import replay
from tickwire.persistence.sqlite import HOME_ENV, SQLiteStore, default_database_path
from tickwire.persistence.store import EventStore, EventTypes
from tickwire.persistence.stores import open_store

__all__ = [
    "HOME_ENV",
    "MIGRATIONS",
    "RECORDER_PRIORITY",
    "EventRecord",
    "EventStore",
    "EventTypes",
    "Migration",
    "PostgresStore",
    "Recorder",
    "RunInfo",
    "RunNotFound",
    "RunStatus",
    "SQLiteStore",
    "StoreError",
    "default_database_path",
    "export_run",
    "latest_version",
    "open_store",
    "replay",
]
