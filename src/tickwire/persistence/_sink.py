"""Where the recorder's writer thread puts its batches: encoded rows, not events.

The recorder encodes events in the publishing thread (see ``_capture``) and hands whole
rows to a :class:`RowSink`. The SQL stores are row sinks themselves and insert the bytes
as they are; any other :class:`~tickwire.persistence.EventStore` (the memory store, a
user's own) gets the rows decoded back into events through :class:`DecodingSink`, so the
port stays about events and the recorder's optimisation stays on this side of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from tickwire.persistence._rows import Row, unpack_row
from tickwire.persistence.port import EventStore

__all__ = ["DecodingSink", "RowSink", "row_sink"]


@runtime_checkable
class RowSink(Protocol):
    """Stores a recorder's batch of rows in one commit."""

    def write_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        """Store ``rows`` (made by ``_capture``, uncompressed, in sequence) in one commit,
        compressing them unless ``compress=False``. A payload may be a view of a buffer
        the recorder reuses once this returns: copy what you keep."""
        ...


class DecodingSink:
    """A row sink over any event store: decodes each batch and appends its events."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def write_rows(self, run_id: str, rows: Sequence[Row], *, compress: bool = True) -> None:
        """Append the events of ``rows`` to the run (``compress`` is the store's business)."""
        if not rows:
            return
        events = [
            record.event
            for row in rows
            for record in unpack_row(
                run_id,
                (row.seq, row.last_seq, row.event_types, row.type_codes, row.encoding, row.payload),
            )
        ]
        self.store.append_events(run_id, rows[0].seq, events)


def row_sink(store: EventStore) -> RowSink:
    """``store`` itself if it stores rows, else a :class:`DecodingSink` over it."""
    return store if isinstance(store, RowSink) else DecodingSink(store)
