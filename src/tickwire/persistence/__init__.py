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

The port: :class:`EventStore` (``port.py``) is what any store offers: create a run, append
events, finish it, read its events back, list runs, and mark crashed runs. Adapters:
:class:`SQLiteStore` (the default), :class:`PostgresStore`, and :class:`MemoryStore`, which
keeps everything in the process and is what the tests of the code above the port use
(``open_store("memory://name")`` gives the same one for a name). Every store raises
:class:`RunNotFound` for an unknown run and :class:`StoreError` for anything else it
refuses or cannot do, database errors included.

Where: SQLite by default, in ``$TICKWIRE_HOME/tickwire.db`` or else ``tickwire.db`` in
the user data folder (``platformdirs.user_data_dir("tickwire")``); any path or
``sqlite:///path``; or PostgreSQL by ``postgresql://`` URL, with the tables in their own
schema (``tickwire`` unless given), written with binary COPY. A new SQLite file is made
readable by its user only (0600, and 0700 for the folders created for it; folders that
exist are left alone), and several processes may create and open the same file at once.
Passwords in URLs never reach a message or the database (``redact_credentials``).

Schema (both databases)::

    runs(run_id PK, strategy, parameters JSON, data_sources JSON, tickwire_version,
         started_ns, ended_ns, status, summary JSON, event_count, rejected,
         owner_host, owner_pid, owner_start)
    events(run_id, seq, last_seq, event_types, type_codes, ts_event_ns, last_ts_event_ns,
           encoding, payload, PRIMARY KEY (run_id, seq))

An ``events`` row holds the consecutive events ``seq`` to ``last_seq`` (publish order, from
0), of any types, up to 16384 of them: a recorder batch, so a million-bar backtest makes a
few hundred rows. Since schema version 5 its payload (``encoding`` "tuples", or
"tuples+zstd" when compressed) is one msgpack array: each event as the array of its field
values, then one *layout* per type in the row, ``[tag field, tag, field names...]``; a
reader rebuilds each event's map from its layout and decodes it as the codec does, so the
field names a row was written with are in the row (the schema-evolution rules of
``docs/events.md`` hold as for maps). Rows of schema 4 and earlier (``msgpack``,
``msgpack+zstd``, ``msgpack+zlib``: an array of ``tickwire.events.encode`` outputs) read as
before. Payloads over 2 KB are zstd-compressed (a fast level). ``event_types`` lists the
distinct type names in the row (comma-separated) and ``type_codes`` gives, per event, the
position of its type in that list (NULL when there is one type), so that a type filter
skips rows without a wanted type and decodes only the wanted events; the timestamps are
the first and last event's ``ts_event_ns``. No stored event encodes to more than 1 MiB and
no row to more than 64 MiB (plus its layouts), and a reader never decompresses a row past
that bound for its event count: a damaged or crafted row raises DecodeError naming run
and seq. A new SQLite file has 64 KiB pages, in which a row's blob is written at a tenth
of the cost of 4 KiB pages.

Statuses (``RunStatus``): ``running`` while recorded; ``finished`` when recorded to the
end; ``interrupted`` after Ctrl-C or (from the command line) SIGTERM, with every event
published until then stored; ``failed`` when the recorded code raised, or the store could
not take the last events; ``stopped`` when a live or paper session ended as asked
(``--duration``, Ctrl-C, SIGTERM), every event until then stored; ``crashed`` when the
recording process died without closing the run (SIGKILL, power loss). ``event_count`` is
the number of events stored; ``rejected`` the number of published objects the recorder
could not store. ``mode`` says what produced the run: a backtest, a paper or a live
session.

Crash recovery: a run records its owner, the host name, pid and (on Linux) a token of
boot id, pid namespace and process start time that a later process reusing the pid does
not share. Opening a store (so ``tickwire runs list``), or ``recover_crashed_runs()``,
marks ``crashed`` every running run whose owner is certainly gone, with the number of its
events that are stored: the writer commits whole batches in order, so they are a prefix
of what was published. Only runs of this host can be judged (and on Linux only those of
this pid namespace, i.e. this container): a run recorded elsewhere stays ``running`` until
a store is opened where it ran. Runs recorded before schema version 4 have no owner and
are never judged.

Recording: the bus handler (``_capture``, compiled) encodes events 64 at a time in the
publishing thread, as field tuples, into a small scratch buffer, and copies the bytes
straight into the reused payload buffer of the row being filled; every ``batch_size``
events it passes the rows on, which a writer thread compresses and inserts in one
statement. It hands rows to a
row sink (``_sink``): the SQL stores insert them as they are, any other store gets them
decoded into events (``append_events``), so the port is about events while the
recorder's encoding stays private to this side of it. An object that cannot be stored is
rejected on its own (see :class:`Recorder`); a group of 64 is checked as a whole and only
a group that fails is looked at event by event, so the normal path pays nearly nothing.
While recorders are attached the interpreter's GIL switch interval is at most 1 ms
(``switch_interval``; restored after), without which the writer waits too long for the
GIL after each compression and insert and falls behind; while two or more batches wait,
it stores them uncompressed until it has caught up, so memory stays bounded.

Migrations: ``schema_version`` has one row per applied migration. Opening a store
applies, in one transaction (under an advisory lock on PostgreSQL), every migration in
``_schema.MIGRATIONS`` newer than the database, so opening is idempotent and a database
written by an older tickwire is upgraded in place; a newer database is refused. To change
the schema, append a ``Migration(version=N + 1, ...)`` with statements for both SQLite
and PostgreSQL; never edit a released one. Version 2 stored one row per run of same-type
events, which version 3 converts in place into the mixed rows above; version 4 added the
owner columns and ``rejected``; version 5 changes no table but marks a database that may
hold rows of field tuples, which tickwire before it cannot read (it then refuses the
database as newer instead of failing at the first such row).
"""

from tickwire.persistence._open import open_store
from tickwire.persistence._redact import redact_credentials
from tickwire.persistence._schema import MIGRATIONS, Migration, latest_version
from tickwire.persistence._types import (
    EventRecord,
    RejectedEvent,
    RunInfo,
    RunMode,
    RunNotFound,
    RunOwner,
    RunStatus,
    StoreError,
)
from tickwire.persistence.export import FILL_COLUMNS, Exported, export_run, write_fills
from tickwire.persistence.memory import MemoryStore
from tickwire.persistence.port import EventStore, EventTypes
from tickwire.persistence.postgres import PostgresStore
from tickwire.persistence.recorder import RECORDER_PRIORITY, Recorder
from tickwire.persistence.replay import MARKET_DATA_TYPES, RecordedMarketData, replay
from tickwire.persistence.sqlite import HOME_ENV, SQLiteStore, default_database_path

__all__ = [
    "FILL_COLUMNS",
    "HOME_ENV",
    "MARKET_DATA_TYPES",
    "MIGRATIONS",
    "RECORDER_PRIORITY",
    "EventRecord",
    "EventStore",
    "EventTypes",
    "Exported",
    "MemoryStore",
    "Migration",
    "PostgresStore",
    "RecordedMarketData",
    "Recorder",
    "RejectedEvent",
    "RunInfo",
    "RunMode",
    "RunNotFound",
    "RunOwner",
    "RunStatus",
    "SQLiteStore",
    "StoreError",
    "default_database_path",
    "export_run",
    "latest_version",
    "open_store",
    "redact_credentials",
    "replay",
    "write_fills",
]
