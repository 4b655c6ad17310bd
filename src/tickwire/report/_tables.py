"""The trades and fills: every row in a CSV beside the report, the first rows on the page.

A long run has tens of thousands of round trips; the page embeds at most
:data:`MAX_TABLE_ROWS` of each table (in a scroll box) and says where the rest are.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from tickwire.events import Fill, Side
from tickwire.persistence.export import iso_time
from tickwire.portfolio import RoundTrip
from tickwire.report._format import format_percent, tone
from tickwire.report._statistics import format_duration

__all__ = [
    "FILLS_CSV",
    "MAX_TABLE_ROWS",
    "TRADES_CSV",
    "fills_table",
    "trades_table",
    "write_trades_csv",
]

MAX_TABLE_ROWS = 1_000
"""Rows of each table embedded in the page; all rows are in the CSV files."""
TRADES_CSV = "trades.csv"
FILLS_CSV = "fills.csv"

_TRADE_COLUMNS = (
    "#",
    "Instrument",
    "Side",
    "Quantity",
    "Entry (UTC)",
    "Entry price",
    "Exit (UTC)",
    "Exit price",
    "Net PnL",
    "Return",
    "Duration",
    "Bars held",
    "Commission",
)
_FILL_COLUMNS = (
    "#",
    "Time (UTC)",
    "Instrument",
    "Side",
    "Quantity",
    "Price",
    "Commission",
    "Order",
)


def _iso(ts_ns: int) -> str:
    moment = datetime.fromtimestamp(ts_ns / 1e9, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _number(value: float) -> str:
    return f"{value:,.6g}" if abs(value) < 1000 else f"{value:,.2f}"


def trades_table(trades: Sequence[RoundTrip], *, limit: int = MAX_TABLE_ROWS) -> str:
    """The round trips as an HTML table in a scroll box, with a note when capped."""
    if not trades:
        return '<p class="note">No closed trades.</p>'
    rows = []
    for number, trip in enumerate(trades[:limit], start=1):
        pnl_tone = tone(trip.pnl)
        rows.append(
            "<tr>"
            f'<td class="num">{number:,}</td>'
            f"<td>{escape(trip.instrument)}</td>"
            f"<td>{'Long' if trip.side == Side.BUY else 'Short'}</td>"
            f'<td class="num">{_number(trip.quantity)}</td>'
            f'<td class="num">{_iso(trip.entry_ts_ns)}</td>'
            f'<td class="num">{_number(trip.entry_price)}</td>'
            f'<td class="num">{_iso(trip.exit_ts_ns)}</td>'
            f'<td class="num">{_number(trip.exit_price)}</td>'
            f'<td class="num {pnl_tone}">{trip.pnl:+,.2f}</td>'
            f'<td class="num {tone(trip.return_fraction)}">'
            f"{format_percent(trip.return_fraction)}</td>"
            f'<td class="num">{format_duration(trip.duration_ns)}</td>'
            f'<td class="num">{trip.bars:,}</td>'
            f'<td class="num">{trip.commission:,.2f}</td>'
            "</tr>"
        )
    return _scroll_table("trades", _TRADE_COLUMNS, rows, len(trades), limit, TRADES_CSV)


def fills_table(fills: Sequence[Fill], *, limit: int = MAX_TABLE_ROWS) -> str:
    """The fills (in time order) as an HTML table in a scroll box, with a note when capped."""
    if not fills:
        return '<p class="note">No fills.</p>'
    ordered = sorted(fills, key=lambda fill: fill.ts_event_ns)
    rows = [
        "<tr>"
        f'<td class="num">{number:,}</td>'
        f'<td class="num">{_iso(fill.ts_event_ns)}</td>'
        f"<td>{escape(fill.instrument)}</td>"
        f'<td class="{"pos" if fill.side == Side.BUY else "neg"}">'
        f"{'Buy' if fill.side == Side.BUY else 'Sell'}</td>"
        f'<td class="num">{_number(fill.quantity)}</td>'
        f'<td class="num">{_number(fill.price)}</td>'
        f'<td class="num">{fill.commission:,.2f}</td>'
        f"<td>{escape(fill.order_id)}</td>"
        "</tr>"
        for number, fill in enumerate(ordered[:limit], start=1)
    ]
    return _scroll_table("fills", _FILL_COLUMNS, rows, len(fills), limit, FILLS_CSV)


def _scroll_table(
    kind: str, columns: Sequence[str], rows: list[str], total: int, limit: int, csv_name: str
) -> str:
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name in columns)
    if total > limit:
        note = (
            f"Showing the first {limit:,} of {total:,} {kind}; all {total:,} are in "
            f'<a href="{csv_name}">{csv_name}</a> beside this report.'
        )
    else:
        note = f'All {total:,} {kind}; also in <a href="{csv_name}">{csv_name}</a>.'
    return (
        f'<p class="note">{note}</p>'
        f'<div class="scroll"><table class="{kind}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def write_trades_csv(trades: Sequence[RoundTrip], path: Path) -> None:
    """Every round trip, ISO times (UTC) and raw numbers, one row each."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            (
                "instrument",
                "side",
                "quantity",
                "entry_time",
                "entry_price",
                "exit_time",
                "exit_price",
                "gross_pnl",
                "commission",
                "pnl",
                "return",
                "duration_s",
                "bars",
            )
        )
        for trip in trades:
            writer.writerow(
                (
                    trip.instrument,
                    "long" if trip.side == Side.BUY else "short",
                    trip.quantity,
                    iso_time(trip.entry_ts_ns),
                    trip.entry_price,
                    iso_time(trip.exit_ts_ns),
                    trip.exit_price,
                    trip.gross_pnl,
                    trip.commission,
                    trip.pnl,
                    trip.return_fraction,
                    trip.duration_ns / 1e9,
                    trip.bars,
                )
            )
