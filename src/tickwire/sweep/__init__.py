"""Parameter sweeps and walk-forward validation, on local processes or a Dask cluster.

::

    result = Sweep(EmaCross, "bars.csv", grid={"fast": [5, 10, 20], "slow": [30, 60]}).run()
    print(result.best.params, result.deflated_sharpe())
    wf = walk_forward(Sweep(EmaCross, "bars.csv", grid=...), "2y", "6m")

Every point is a normal backtest (the same engine and fills as ``tickwire backtest`` with
those parameters). Workers are sent the strategy's name, the parameters and where the
data is, as msgpack; each worker reads the data once and keeps it for all its points, and
returns statistics only (fills and equity when asked). The same tasks run on a process
pool (``engine="local"``) or on Dask distributed (``engine="dask"``), whose workers may be
on many machines: the data files must then be readable at the same path on each.
"""

from tickwire.sweep._data import DataSpec, Window
from tickwire.sweep._deflated import DeflatedSharpe, deflated_sharpe
from tickwire.sweep._grid import expand_grid, parse_grid_option
from tickwire.sweep._record import record_sweep
from tickwire.sweep._result import METRICS, SweepResult
from tickwire.sweep._sweep import Progress, Sweep
from tickwire.sweep._task import PointResult, PointTask, ReturnMoments
from tickwire.sweep._walk_forward import (
    WalkForwardResult,
    WindowResult,
    parse_walk_forward,
    walk_forward,
)

__all__ = [
    "METRICS",
    "DataSpec",
    "DeflatedSharpe",
    "PointResult",
    "PointTask",
    "Progress",
    "ReturnMoments",
    "Sweep",
    "SweepResult",
    "WalkForwardResult",
    "Window",
    "WindowResult",
    "deflated_sharpe",
    "expand_grid",
    "parse_grid_option",
    "parse_walk_forward",
    "record_sweep",
    "walk_forward",
]
