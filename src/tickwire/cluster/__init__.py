"""Seed 001's system as separate processes over ZeroMQ: a gateway publishing market data,
strategy processes, an executor, an order gateway and a recorder (``tickwire node ROLE``),
started and supervised together by ``tickwire cluster up`` (``docs/cluster.md``).

- :mod:`.config`: the cluster file (``cluster.toml``), typed.
- One module per role: :mod:`.gateway`, :mod:`.strategy`, :mod:`.executor`,
  :mod:`.order_gateway`, :mod:`.recorder`.
- :mod:`.supervisor`: starts, restarts and stops the processes.
"""

from tickwire.cluster._status import ProcessStatus, read_statuses
from tickwire.cluster.config import ClusterConfig, Replay, RestartPolicy, load_cluster
from tickwire.cluster.supervisor import Supervisor

__all__ = [
    "ClusterConfig",
    "ProcessStatus",
    "Replay",
    "RestartPolicy",
    "Supervisor",
    "load_cluster",
    "read_statuses",
]
