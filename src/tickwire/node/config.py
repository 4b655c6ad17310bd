"""The node's configuration: typed, frozen records checked when they are built.

Each record holds the options of one component (the simulated broker, the risk manager)
or of the node itself, so that a value that cannot work (a volume cap of 3, a negative
position limit, a start timeout of 0) is a :class:`~tickwire.ConfigError` naming the
record and the field, before anything is wired, started or recorded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Self

from tickwire._exceptions import ConfigError
from tickwire.bus import ErrorPolicy
from tickwire.execution import CommissionModel, Sizer, SlippageModel

__all__ = ["BrokerConfig", "NodeConfig", "RiskConfig"]


def _from_mapping(cls: type[Any], owner: str, options: Mapping[str, Any]) -> Any:
    """``cls(**options)``; an option ``cls`` has no field for is a ConfigError naming it."""
    known = {f.name for f in fields(cls)}
    for key in options:
        if key not in known:
            raise ConfigError(
                f"{owner}: unknown option {key!r} (options: {', '.join(sorted(known))})"
            )
    return cls(**options)


def _positive_or_none(owner: str, name: str, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{owner}.{name} must be a number or None, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{owner}.{name} must be finite and above 0 (or None), got {value!r}")


def _positive_int(owner: str, name: str, value: int | None, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{owner}.{name} must be an int above 0, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokerConfig:
    """The simulated broker's options (see :class:`~tickwire.execution.SimulatedBroker`)."""

    commission: CommissionModel | None = None
    """Fee per fill, ``model(quantity, price, first_fill)`` (``tickwire.execution``'s
    ``PercentCommission`` and the like); None charges nothing."""
    slippage: SlippageModel | None = None
    """Adverse price per fill, ``model(price, side)``; None fills at the rule's price."""
    volume_cap: float | None = None
    """At most this fraction (in (0, 1]) of a bar's volume or a quote's size per order
    and bar; None fills any size."""
    allow_short: bool = True
    """Whether a sell may go beyond the long position."""
    instruments: tuple[str, ...] | None = None
    """Trade only these instruments; None trades any instrument that has a price."""

    def __post_init__(self) -> None:
        owner = "BrokerConfig"
        for name in ("commission", "slippage"):
            model = getattr(self, name)
            if model is not None and not callable(model):
                raise ConfigError(f"{owner}.{name} must be callable or None, got {model!r}")
        _positive_or_none(owner, "volume_cap", self.volume_cap)
        if self.volume_cap is not None and self.volume_cap > 1:
            raise ConfigError(f"{owner}.volume_cap must be in (0, 1], got {self.volume_cap!r}")
        if not isinstance(self.allow_short, bool):
            raise ConfigError(f"{owner}.allow_short must be a bool, got {self.allow_short!r}")
        if self.instruments is not None:
            if isinstance(self.instruments, str) or not all(
                isinstance(name, str) and name.strip() for name in self.instruments
            ):
                raise ConfigError(
                    f"{owner}.instruments must be a tuple of names, got {self.instruments!r}"
                )
            object.__setattr__(self, "instruments", tuple(self.instruments))

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> Self:
        """The record of ``options`` (``Backtest(broker={...})``); unknown keys are refused."""
        return _from_mapping(cls, "BrokerConfig", options)  # type: ignore[no-any-return]

    def options(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~tickwire.execution.SimulatedBroker`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskConfig:
    """The risk manager's limits (see :class:`~tickwire.execution.RiskManager`); every
    limit is off when None."""

    max_order_quantity: float | None = None
    """The largest quantity one order may have."""
    max_notional: float | None = None
    """The largest quantity times price one order may have."""
    max_position: float | None = None
    """The largest absolute position (with open orders) per instrument."""
    max_open_orders: int | None = None
    """Orders approved and not yet done, across every strategy."""
    max_orders_per_window: int | None = None
    """Approvals within ``rate_window_ns`` of event time."""
    rate_window_ns: int = 1_000_000_000
    """The window of ``max_orders_per_window``."""
    breaker_threshold: int | None = None
    """Consecutive broker rejections that open the circuit breaker."""
    breaker_cooldown_ns: int = 60_000_000_000
    """How long an open breaker refuses orders."""

    def __post_init__(self) -> None:
        owner = "RiskConfig"
        for name in ("max_order_quantity", "max_notional", "max_position"):
            _positive_or_none(owner, name, getattr(self, name))
        for name in ("max_open_orders", "max_orders_per_window", "breaker_threshold"):
            _positive_int(owner, name, getattr(self, name), optional=True)
        for name in ("rate_window_ns", "breaker_cooldown_ns"):
            _positive_int(owner, name, getattr(self, name), optional=False)

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> Self:
        """The record of ``options`` (``Backtest(risk={...})``); unknown keys are refused."""
        return _from_mapping(cls, "RiskConfig", options)  # type: ignore[no-any-return]

    def options(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~tickwire.execution.RiskManager`."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeConfig:
    """Everything a :class:`~tickwire.node.Node` is told besides its components."""

    cash: float = 100_000.0
    """Starting cash of the one portfolio every strategy shares (finite, above 0)."""
    broker: BrokerConfig = field(default_factory=BrokerConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    sizer: Sizer | None = None
    """Sizes the signals strategies emit (None: the signal's own quantity)."""
    on_error: ErrorPolicy = ErrorPolicy.STOP
    """What a strategy failure does: in a backtest STOP ends the run; live it stops the
    failing strategy only (see :mod:`tickwire.node`)."""
    allow_nonpositive_prices: bool = False
    """Admit zero and negative prices (bars, marks, orders)."""
    periods_per_year: float | None = None
    """Annualises the statistics; None counts it from the data's sessions."""
    mode: Literal["sync", "threaded"] = "sync"
    """``threaded`` gives the broker, the portfolio and the strategies a thread each."""
    start_timeout: float = 10.0
    """Seconds each component may take to start before the node fails."""
    stop_timeout: float = 10.0
    """Seconds each component may take to stop (the node goes on stopping the rest)."""
    cancel_on_stop: bool = False
    """Cancel each strategy's working orders when it stops."""
    duration: float | None = None
    """Live: stop gracefully after this many seconds (None: run until stopped)."""
    heartbeat_interval: float | None = None
    """Live: every component that is up publishes a ``Heartbeat`` this often, in
    seconds, so that a health monitor notices one that stopped (None: no heartbeats)."""

    def __post_init__(self) -> None:
        owner = "NodeConfig"
        cash = self.cash
        if isinstance(cash, bool) or not isinstance(cash, (int, float)):
            raise ConfigError(f"{owner}: cash must be a number, got {cash!r}")
        if not (math.isfinite(cash) and cash > 0):
            raise ConfigError(f"{owner}: cash must be finite and above 0, got {cash!r}")
        object.__setattr__(self, "cash", float(cash))
        if not isinstance(self.broker, BrokerConfig):
            raise ConfigError(f"{owner}.broker must be a BrokerConfig, got {self.broker!r}")
        if not isinstance(self.risk, RiskConfig):
            raise ConfigError(f"{owner}.risk must be a RiskConfig, got {self.risk!r}")
        object.__setattr__(self, "on_error", ErrorPolicy.parse(self.on_error))
        if self.mode not in ("sync", "threaded"):
            raise ConfigError(f"mode must be 'sync' or 'threaded', got {self.mode!r}")
        if self.periods_per_year is not None and not (0.0 < self.periods_per_year < math.inf):
            raise ConfigError(f"periods_per_year must be positive, got {self.periods_per_year!r}")
        for name in ("start_timeout", "stop_timeout"):
            _positive_or_none(owner, name, getattr(self, name))
        _positive_or_none(owner, "duration", self.duration)
        _positive_or_none(owner, "heartbeat_interval", self.heartbeat_interval)
        object.__setattr__(self, "allow_nonpositive_prices", bool(self.allow_nonpositive_prices))
        object.__setattr__(self, "cancel_on_stop", bool(self.cancel_on_stop))
