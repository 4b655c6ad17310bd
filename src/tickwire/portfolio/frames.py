"""pandas views of the equity curve and the trades, for notebooks and reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tickwire.portfolio.equity import EquityCurve
from tickwire.portfolio.trades import RoundTrip

if TYPE_CHECKING:
    # pandas ships no type hints; pandas-stubs may or may not be installed.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

__all__ = ["equity_frame", "trades_frame"]

_ROUND_TRIP_COLUMNS = list(RoundTrip.__struct_fields__)


def equity_frame(curve: EquityCurve, *, initial_equity: float | None = None) -> pd.DataFrame:
    """The curve as a DataFrame indexed by UTC time: equity, drawdown, exposed.

    ``drawdown`` is the return from the running peak (0 or negative, a fraction); with
    ``initial_equity`` (the starting cash) that counts as the first peak, as it does in
    :class:`~tickwire.portfolio.Statistics`.
    """
    # pandas is optional at run time and slow to import: load it only when asked.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    equity = np.array(curve.equity, dtype=np.float64)
    peaks = np.maximum.accumulate(equity) if equity.size else equity
    if initial_equity is not None:
        peaks = np.maximum(peaks, float(initial_equity))
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = np.where(peaks > 0.0, equity / peaks - 1.0, 0.0)
    index = pd.to_datetime(np.array(curve.timestamps, dtype=np.int64), unit="ns", utc=True)
    return pd.DataFrame(
        {
            "equity": equity,
            "drawdown": drawdown,
            "exposed": np.frombuffer(curve.exposed(), dtype=np.uint8).astype(bool),
        },
        index=pd.Index(index, name="time"),
    )


def trades_frame(trades: Sequence[RoundTrip]) -> pd.DataFrame:
    """One row per round trip (the :class:`RoundTrip` fields, ``return_fraction`` a
    fraction), with entry/exit times as UTC datetimes and the duration."""
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    frame = pd.DataFrame(
        [[getattr(t, name) for name in _ROUND_TRIP_COLUMNS] for t in trades],
        columns=_ROUND_TRIP_COLUMNS,
    )
    frame["side"] = frame["side"].astype(str)
    frame["entry_time"] = pd.to_datetime(frame["entry_ts_ns"], unit="ns", utc=True)
    frame["exit_time"] = pd.to_datetime(frame["exit_ts_ns"], unit="ns", utc=True)
    frame["duration"] = frame["exit_time"] - frame["entry_time"]
    return frame
