"""A local exchange: a replayed market feed and an order venue on one loopback port.

:class:`Exchange` replays bar or quote files as a live websocket feed (tickwire JSON or
Binance klines and book tickers) paced by the data's own time, and takes orders over a
small JSON protocol (``docs/exchange.md``), filling them with the simulated broker's
rules. Its orders, fills and replay position live in SQLite, so it can be killed and
restarted and still answer truthfully; :class:`Faults` injects drops, lost and delayed
acknowledgements and rejections. ``tickwire exchange`` runs one from the command line.

:class:`ExecutionClient` is the port a venue adapter implements (submit, cancel, order
status, open orders, fills since, positions, balances, a stream of updates), each
command ending confirmed, rejected with a reason, or unknown until resolved by asking;
:class:`ExchangeClient` is its adapter for this exchange.
"""

from tickwire.exchange._client import ExchangeClient
from tickwire.exchange._faults import DROP_CODE, Faults
from tickwire.exchange._market import MarketData, load_market_data
from tickwire.exchange._port import CommandResult, ExecutionClient, Outcome, VenueUnavailable
from tickwire.exchange._protocol import ErrorCode, FillRecord, OrderRecord, PositionRecord
from tickwire.exchange._server import FORMATS, Exchange, ExchangeError
from tickwire.exchange._state import ExchangeState

__all__ = [
    "DROP_CODE",
    "FORMATS",
    "CommandResult",
    "ErrorCode",
    "Exchange",
    "ExchangeClient",
    "ExchangeError",
    "ExchangeState",
    "ExecutionClient",
    "Faults",
    "FillRecord",
    "MarketData",
    "OrderRecord",
    "Outcome",
    "PositionRecord",
    "VenueUnavailable",
    "load_market_data",
]
