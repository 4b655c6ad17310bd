"""``tickwire exchange``: run the local exchange (a replayed feed and an order venue)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import click
from rich.console import Console

from tickwire.cli.loading import UsageError
from tickwire.cli.options import broker_options, cost_options
from tickwire.data import sample_data_paths
from tickwire.exchange import FORMATS, Exchange, Faults, load_market_data

__all__ = ["exchange"]

err = Console(stderr=True)
_EXIT_BY_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 128 + signal.SIGTERM}


def _speed(ctx: click.Context, param: click.Parameter, value: str) -> float:
    if value.strip().lower() == "max":
        return 0.0
    try:
        speed = float(value)
    except ValueError:
        raise click.BadParameter(f"a number or 'max', got {value!r}") from None
    if not 0.0 <= speed < float("inf"):
        raise click.BadParameter(
            f"must be a finite number >= 0 (0 or 'max': no pacing), got {value}"
        )
    return speed


@click.command()
@click.option(
    "--data",
    "data",
    multiple=True,
    help="CSV or Parquet bars or quotes (repeatable; default: the bundled sample data).",
)
@click.option(
    "--speed",
    default="1",
    show_default=True,
    callback=_speed,
    help="Divide the data's time by this (60: one-minute bars at one a second); 'max' or 0: "
    "as fast as the clients read.",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0: any free."
)
@click.option(
    "--state",
    default=None,
    help="SQLite file keeping orders, fills and the replay position across restarts "
    "(default: kept in memory only).",
)
@click.option(
    "--format",
    "feed_format",
    type=click.Choice(FORMATS),
    default="tickwire",
    show_default=True,
    help="The feed's format on / (Binance streams are also on /ws and /stream).",
)
@click.option("--cash", type=float, default=100_000.0, show_default=True, help="Account cash.")
@cost_options
@click.option(
    "--drop-every",
    type=click.IntRange(min=0),
    default=0,
    help="Close each connection after every N messages (fault injection).",
)
@click.option(
    "--delay-acks",
    type=click.FloatRange(min=0.0),
    default=0.0,
    help="Delay order acknowledgements by this many milliseconds.",
)
@click.option(
    "--lose-acks",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    help="Never send this fraction of acknowledgements (the order is still placed).",
)
@click.option(
    "--reject-every",
    type=click.IntRange(min=0),
    default=0,
    help="Reject every N-th new order.",
)
@click.option(
    "--fault-seed", type=int, default=0, show_default=True, help="Seed of the random faults."
)
def exchange(
    data: tuple[str, ...],
    speed: float,
    port: int,
    state: str | None,
    feed_format: str,
    cash: float,
    commission: str | None,
    slippage: str | None,
    drop_every: int,
    delay_acks: float,
    lose_acks: float,
    reject_every: int,
    fault_seed: int,
) -> None:
    """Run a local exchange: a replayed feed and orders.

    It listens on 127.0.0.1, replays --data as a market feed and takes orders, and prints
    its URL on one line. The feed is on the URL itself, orders on URL/orders (the
    protocol is in docs/exchange.md). The replay starts when the first feed client
    subscribes. Ctrl-C or SIGTERM stops it; with --state it can be restarted
    (even after kill -9) where it was.
    """
    for path in data:
        if not Path(path).exists():
            raise UsageError(f"data file not found: {path}")
    paths = list(data) or [str(p) for p in sample_data_paths()]
    market = load_market_data(paths)
    faults = Faults(
        drop_every=drop_every,
        delay_acks_ms=delay_acks,
        lose_acks=lose_acks,
        reject_every=reject_every,
        seed=fault_seed,
    )
    venue = Exchange(
        market,
        state=state or ":memory:",
        speed=speed,
        port=port,
        format=feed_format,
        cash=cash,
        broker_options=broker_options(commission, slippage),
        faults=faults,
    )
    stopped_by = asyncio.run(_serve(venue, state))
    sys.exit(_EXIT_BY_SIGNAL[stopped_by])


async def _serve(venue: Exchange, state: str | None) -> signal.Signals:
    """Run until SIGINT or SIGTERM; returns which one stopped it."""
    loop = asyncio.get_running_loop()
    received: asyncio.Future[signal.Signals] = loop.create_future()
    for signum in _EXIT_BY_SIGNAL:
        loop.add_signal_handler(signum, _set_once, received, signum)
    await venue.start()
    click.echo(venue.url)
    sys.stdout.flush()
    market = venue.data
    where = f"state in {state}" if state else "state in memory only (--state FILE keeps it)"
    err.print(
        f"replaying {market.events:,} events of {', '.join(market.instruments)} "
        f"from position {venue.counters.total:,}; orders on {venue.url}/orders; {where}",
        highlight=False,
        soft_wrap=True,
    )
    try:
        return await received
    finally:
        await venue.stop()


def _set_once(future: asyncio.Future[signal.Signals], signum: signal.Signals) -> None:
    if not future.done():
        future.set_result(signum)
