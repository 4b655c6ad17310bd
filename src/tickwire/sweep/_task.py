"""One grid point as a task: what a worker is sent, what it runs, and what comes back.

Tasks and results cross process (and machine) boundaries as msgpack bytes of the
records below, never as pickles: a worker is sent the strategy's name, the parameters and
a description of the data, loads the rest itself, and returns statistics (and only if
asked, the fills and the equity curve).
"""

from __future__ import annotations

import math
import time
import traceback
from typing import Any

import msgspec
import numpy as np

from tickwire.backtest import Backtest
from tickwire.data import bars_from_chunks
from tickwire.strategy.loading import load_strategy
from tickwire.sweep._data import DataSpec, Window, load_chunks, window_chunks
from tickwire.sweep._grid import ParamValue

__all__ = [
    "FillRow",
    "PointResult",
    "PointTask",
    "ReturnMoments",
    "decode_result",
    "encode_task",
    "run_encoded",
    "run_point",
]


class PointTask(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a worker needs to run one grid point."""

    index: int
    """The point's position in the sweep (results come back in any order)."""
    strategy: str
    """A name :func:`tickwire.strategy.loading.load_strategy` resolves in the worker."""
    params: dict[str, ParamValue]
    data: DataSpec
    cash: float
    window: Window | None = None
    """Only the bars in this time window (walk-forward); None for all."""
    keep_fills: bool = False
    keep_equity: bool = False


class ReturnMoments(msgspec.Struct, frozen=True, array_like=True):
    """Per-bar returns of the equity curve, as the deflated Sharpe ratio needs them."""

    count: int
    sharpe: float
    """Mean over standard deviation per bar (not annualised)."""
    skewness: float
    kurtosis: float
    """Pearson kurtosis (3 for a normal distribution)."""


class FillRow(msgspec.Struct, frozen=True, array_like=True):
    """One fill of a point, when asked for."""

    ts_event_ns: int
    instrument: str
    side: str
    quantity: float
    price: float
    commission: float
    order_id: str


class PointResult(msgspec.Struct, frozen=True, kw_only=True):
    """What one grid point produced: its statistics, or the error that stopped it."""

    index: int
    params: dict[str, ParamValue]
    summary: dict[str, Any] = {}
    """The same fields, under the same names, as ``tickwire backtest --json``."""
    moments: ReturnMoments | None = None
    error: str | None = None
    """Why the point failed (a bad parameter, the strategy raised); None if it ran."""
    traceback: str | None = None
    fills: list[FillRow] | None = None
    equity_ts_ns: list[int] | None = None
    equity: list[float] | None = None
    seconds: float = 0.0
    """Wall time of the point in the worker, loading the strategy included."""

    @property
    def ok(self) -> bool:
        return self.error is None


_task_decoder = msgspec.msgpack.Decoder(PointTask)
_result_decoder = msgspec.msgpack.Decoder(PointResult)
_encoder = msgspec.msgpack.Encoder()


def encode_task(task: PointTask) -> bytes:
    return _encoder.encode(task)


def decode_result(data: bytes) -> PointResult:
    return _result_decoder.decode(data)


def run_encoded(task: bytes) -> bytes:
    """The worker's entry point: a task's bytes in, its result's bytes out."""
    return _encoder.encode(run_point(_task_decoder.decode(task)))


def run_point(task: PointTask) -> PointResult:
    """Run one grid point in this process; a failure becomes the result's ``error``."""
    started = time.perf_counter()
    try:
        strategy = load_strategy(task.strategy)
        bars = bars_from_chunks(window_chunks(load_chunks(task.data), task.window))
        result = Backtest(strategy, bars, task.cash, params=task.params).run()
    except Exception as exc:
        return PointResult(
            index=task.index,
            params=task.params,
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(),
            seconds=time.perf_counter() - started,
        )
    summary = {k: _plain(v) for k, v in result.summary().items()}
    if result.errors:
        first = result.errors[0]
        return PointResult(
            index=task.index,
            params=task.params,
            summary=summary,
            error=f"{len(result.errors)} errors; first in {first.component}: {first.error}",
            seconds=time.perf_counter() - started,
        )
    curve = result.portfolio.curve
    equity = np.frombuffer(curve.equity, dtype=np.float64)
    return PointResult(
        index=task.index,
        params=task.params,
        summary=summary,
        moments=return_moments(np.concatenate(([task.cash], equity))),
        fills=[
            FillRow(f.ts_event_ns, f.instrument, str(f.side), f.quantity, f.price, f.commission,
                    f.order_id)
            for f in result.fills
        ]
        if task.keep_fills
        else None,
        equity_ts_ns=np.frombuffer(curve.timestamps, dtype=np.int64).tolist()
        if task.keep_equity
        else None,
        equity=equity.tolist() if task.keep_equity else None,
        seconds=time.perf_counter() - started,
    )  # fmt: skip


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def return_moments(equity: np.ndarray[Any, np.dtype[np.float64]]) -> ReturnMoments:
    """Moments of the per-point returns of ``equity`` (NaN where undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = equity[1:] / equity[:-1] - 1.0
    returns = returns[np.isfinite(returns)]
    n = int(returns.size)
    if n < 3:
        return ReturnMoments(n, math.nan, math.nan, math.nan)
    mean = float(returns.mean())
    centred = returns - mean
    # Products, not ``**``: numpy's power ufunc costs ten times as much per element. And
    # no ``np.dot``: it goes to BLAS, whose threads then spin on the other core for a
    # while, taking it from the other sweep worker.
    squared = centred * centred
    variance = float(squared.mean())
    if variance <= 0.0:
        return ReturnMoments(n, math.nan, math.nan, math.nan)
    std = math.sqrt(variance)
    sample_std = math.sqrt(variance * n / (n - 1))
    third = float((squared * centred).mean())
    fourth = float((squared * squared).mean())
    return ReturnMoments(
        count=n,
        sharpe=mean / sample_std,
        skewness=third / std**3,
        kurtosis=fourth / variance**2,
    )
