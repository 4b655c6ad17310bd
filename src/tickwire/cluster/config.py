"""A cluster's configuration (``cluster.toml``): its processes, their sockets, delivery
guarantees and restart policy, as typed frozen records.

:func:`load_cluster` reads the file; every mistake is a ConfigError naming the file and
the field. Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import enum
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from tickwire._exceptions import ConfigError
from tickwire.transport import Curve, Guarantee, curve_for

__all__ = [
    "ClusterConfig",
    "Endpoints",
    "ExecutorConfig",
    "GatewayConfig",
    "OrderGatewayConfig",
    "RecorderConfig",
    "Replay",
    "RestartConfig",
    "RestartPolicy",
    "StrategyConfig",
    "load_cluster",
]

_Positive = Annotated[float, msgspec.Meta(gt=0)]
_Count = Annotated[int, msgspec.Meta(ge=1)]


class Replay(enum.StrEnum):
    """How the gateway plays a data file."""

    LOCKSTEP = "lockstep"
    """Each market event goes out once every strategy has handled the one before and its
    orders have reached the order gateway: the fills equal a one-process backtest's."""
    PACED = "paced"
    """By the data's own timestamps divided by ``speed`` (0: as fast as it can), as a live
    feed would; nothing waits for the strategies."""


class Endpoints(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where each socket binds (seed 001's ports; loopback unless CURVE is on)."""

    market_data: str = "tcp://127.0.0.1:5555"
    """The gateway's PUB: ``TICK.<instrument>``, ``BAR.<instrument>``."""
    signals: str = "tcp://127.0.0.1:5556"
    """The executor's PULL: signals and order requests from the strategies."""
    acks: str = "tcp://127.0.0.1:5557"
    """The executor's PUB of acknowledgements (``ACK.<strategy>``)."""
    orders: str = "tcp://127.0.0.1:5558"
    """The order gateway's REP: orders from the executor."""
    executions: str = "tcp://127.0.0.1:5559"
    """The order gateway's PUB: order updates, fills, the market data it handled, and a
    watermark after each market event."""
    control: str = "tcp://127.0.0.1:5560"
    """The gateway's PULL: readiness and progress of the other processes."""


class GatewayConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The market-data gateway: replays ``data`` files, or relays a websocket ``feed``."""

    data: tuple[str, ...] = ()
    feed: str = ""
    format: Literal["tickwire", "binance"] = "tickwire"
    """The feed's message format (``tickwire`` or ``binance``)."""
    instruments: tuple[str, ...] = ()
    """Instruments to subscribe to at the feed (the default: what it sends)."""
    replay: Replay = Replay.LOCKSTEP
    """How ``data`` is replayed (a live ``feed`` is always relayed as it comes)."""
    speed: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    """Paced replay: the data's time divided by this (60: a one-minute bar a second);
    0 as fast as the gateway can publish."""
    batching: bool = True
    """Paced replay and feeds: batch market data (lockstep sends each event alone)."""
    start_timeout: _Positive = 60.0
    """Seconds to wait for every process to be ready before the first event."""
    lockstep_timeout: _Positive = 30.0
    """Lockstep: seconds to wait for a strategy before going on without it (it is
    reported as lagging; a restarted strategy joins again)."""


class StrategyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One strategy process: a Strategy class and its parameters."""

    strategy: str
    """``path/to/file.py:ClassName`` or ``package.module:ClassName``."""
    name: str = ""
    """The process's and the strategy's name (default: the class's, ``Name.2`` for a
    second one)."""
    params: dict[str, Any] = {}


class ExecutorConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The executor: takes signals and order requests, checks them against the risk
    limits, sizes signals, and sends the orders to the order gateway."""

    guarantee: Guarantee = Guarantee.EXACTLY_ONCE
    """Of the signal route: ``at-least-once``, or ``exactly-once`` (processed ids kept in
    ``store``, so that a restarted executor never places an order twice)."""
    store: str = "processed.db"
    """The SQLite file of processed signal ids (relative to ``state_dir``)."""
    keep_processed: _Positive = 7 * 86_400.0
    """Seconds a processed signal id is remembered: older ones are forgotten when the
    executor starts, so the store stays bounded (a sender stops retrying long before)."""
    ack_timeout_ms: _Count = 1_000
    max_attempts: _Count = 5
    request_timeout_ms: _Count = 2_000
    request_retries: _Count = 3
    risk: dict[str, Any] = {}
    """Risk limits (``RiskConfig`` fields: ``max_order_quantity``, ``max_position``...)."""

    def __post_init__(self) -> None:
        retrying = self.ack_timeout_ms * self.max_attempts / 1_000
        if self.keep_processed <= retrying:
            raise ValueError(
                f"keep_processed ({self.keep_processed:g} s) must outlast a signal's retries "
                f"(ack_timeout_ms x max_attempts = {retrying:g} s)"
            )


class OrderGatewayConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The order gateway: fills orders with the simulated broker on the gateway's data."""

    cash: _Positive = 100_000.0
    commission: str = ""
    """As ``--commission`` (``percent:0.1``, ``fixed:1``)."""
    slippage: str = ""
    """As ``--slippage`` (``bps:5``, ``ticks:2:0.01``)."""


class RecorderConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The recorder: stores every event the order gateway publishes as one run."""

    db: str = "default"
    """A SQLite path (relative to the file), a ``postgresql://`` URL, or ``default``
    (the user's store)."""


class RestartPolicy(enum.StrEnum):
    """When the supervisor restarts a process that exited."""

    ON_FAILURE = "on-failure"
    """When it exited with a non-zero code or a signal."""
    ALWAYS = "always"
    """Whenever a service (executor, order gateway, recorder) exits; the gateway and the
    strategies end with the data, so they are restarted only when they failed."""
    NEVER = "never"


class RestartConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The supervisor's restart policy: ``backoff`` seconds, doubled at each restart of
    the same process up to ``max_backoff``; a process that failed ``max_restarts`` times
    is left down (the cluster then ends ``failed``)."""

    policy: RestartPolicy = RestartPolicy.ON_FAILURE
    max_restarts: Annotated[int, msgspec.Meta(ge=0)] = 5
    backoff: _Positive = 0.5
    max_backoff: _Positive = 10.0
    stop_timeout: _Positive = 10.0
    """Seconds a process has to stop after SIGTERM before it is killed."""


class ClusterConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole cluster (one ``cluster.toml``). Each table refuses unknown keys, so a
    typo is never ignored."""

    name: str = "tickwire"
    state_dir: str = ".tickwire-cluster"
    """Logs, heartbeats and stores of the processes (relative to the file)."""
    heartbeat_interval: _Positive = 1.0
    curve_keys: str = ""
    """A folder of CURVE keys (``tickwire cluster keys`` writes them): when set, every
    socket is encrypted and admits only the cluster's own processes."""
    endpoints: Endpoints = Endpoints()
    gateway: GatewayConfig = GatewayConfig()
    strategies: tuple[StrategyConfig, ...] = ()
    executor: ExecutorConfig = ExecutorConfig()
    order_gateway: OrderGatewayConfig = OrderGatewayConfig()
    recorder: RecorderConfig | None = None
    restart: RestartConfig = RestartConfig()
    base_dir: str = ""
    """The folder paths are relative to (the file's; set by :func:`load_cluster`)."""

    def __post_init__(self) -> None:
        if not self.strategies:
            raise ConfigError("cluster: [[strategies]] must name at least one strategy")
        gateway = self.gateway
        if bool(gateway.data) == bool(gateway.feed):
            raise ConfigError("cluster: [gateway] takes either data (files) or feed (a URL)")

    def path(self, value: str) -> Path:
        """``value`` (a path from the file) made absolute."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else Path(self.base_dir) / path

    @property
    def state_path(self) -> Path:
        """The state folder, absolute."""
        return self.path(self.state_dir)

    @property
    def lockstep(self) -> bool:
        """Whether the gateway replays a file in lockstep."""
        return bool(self.gateway.data) and self.gateway.replay is Replay.LOCKSTEP

    def curve(self, server: str, client: str) -> Curve | None:
        """The CURVE keys of the socket that process ``server`` binds and ``client``
        connects to (either end takes what it needs), or None without ``curve_keys``."""
        if not self.curve_keys:
            return None
        return curve_for(self.path(self.curve_keys), server=server, client=client)

    def process_names(self) -> list[str]:
        """Every process, in start order: the services, the strategies, the gateway."""
        names = ["order-gateway", "executor"]
        if self.recorder is not None:
            names.append("recorder")
        return [*names, *self.strategy_names(), "gateway"]

    def strategy_names(self) -> list[str]:
        """Each strategy's name: as given, else its class's (``Name.2`` for a second)."""
        names: list[str] = []
        for entry in self.strategies:
            base = entry.name or entry.strategy.rpartition(":")[2]
            name, n = base, 1
            while name in names:
                n += 1
                name = f"{base}.{n}"
            names.append(name)
        return names

    def strategy(self, name: str) -> StrategyConfig:
        """The strategy entry named ``name``; ConfigError lists the names."""
        names = self.strategy_names()
        if name not in names:
            raise ConfigError(f"cluster: no strategy {name!r} (strategies: {', '.join(names)})")
        return self.strategies[names.index(name)]


def load_cluster(path: str | Path) -> ClusterConfig:
    """The cluster described by the TOML file ``path``."""
    file = Path(path)
    try:
        table = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such cluster file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    cluster = table.pop("cluster", {})
    if not isinstance(cluster, dict):
        raise ConfigError(f"{file}: [cluster] must be a table")
    if "base_dir" in cluster:
        raise ConfigError(f"{file}: [cluster] base_dir is not an option")
    merged = {**cluster, **table, "base_dir": str(file.resolve().parent)}
    try:
        return msgspec.convert(merged, ClusterConfig)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from None
