"""The node's typed configuration: frozen records that refuse bad values when built."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from tickwire._exceptions import ConfigError
from tickwire.bus import ErrorPolicy
from tickwire.execution import PercentCommission
from tickwire.node import BrokerConfig, Node, NodeConfig, RiskConfig
from tickwire.strategy.ema_cross import EmaCross


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"volume_cap": 0.0}, r"BrokerConfig.volume_cap must be finite and above 0"),
        ({"volume_cap": 1.5}, r"BrokerConfig.volume_cap must be in \(0, 1\]"),
        ({"volume_cap": math.nan}, "volume_cap"),
        ({"commission": 0.1}, "BrokerConfig.commission must be callable"),
        ({"allow_short": "no"}, "BrokerConfig.allow_short must be a bool"),
        ({"instruments": "AAPL"}, "BrokerConfig.instruments must be a tuple of names"),
    ],
)
def test_broker_config_refuses_bad_values(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BrokerConfig(**options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_notional": -1.0}, "RiskConfig.max_notional must be finite and above 0"),
        ({"max_position": math.inf}, "RiskConfig.max_position"),
        ({"max_open_orders": 0}, "RiskConfig.max_open_orders must be an int above 0"),
        ({"max_open_orders": 2.5}, "RiskConfig.max_open_orders"),
        ({"rate_window_ns": 0}, "RiskConfig.rate_window_ns"),
    ],
)
def test_risk_config_refuses_bad_values(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RiskConfig(**options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cash": 0}, "cash must be finite and above 0"),
        ({"cash": "lots"}, "cash must be a number"),
        ({"on_error": "ignore"}, "'stop', 'continue'"),
        ({"mode": "parallel"}, "mode must be 'sync' or 'threaded'"),
        ({"start_timeout": 0}, "NodeConfig.start_timeout"),
        ({"duration": -1}, "NodeConfig.duration"),
        ({"broker": {"volume_cap": 0.5}}, "NodeConfig.broker must be a BrokerConfig"),
        ({"periods_per_year": 0}, "periods_per_year must be positive"),
    ],
)
def test_node_config_refuses_bad_values(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        NodeConfig(**options)


def test_records_are_frozen_and_parse_their_policy() -> None:
    config = NodeConfig(on_error="continue", cash=5)  # type: ignore[arg-type]
    assert config.on_error is ErrorPolicy.CONTINUE and config.cash == 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.cash = 1.0  # type: ignore[misc]


def test_mappings_become_records_and_unknown_options_are_named() -> None:
    commission = PercentCommission(0.1)
    broker = BrokerConfig.from_mapping({"commission": commission, "volume_cap": 0.5})
    assert broker.options()["commission"] is commission and broker.volume_cap == 0.5
    with pytest.raises(ConfigError, match="BrokerConfig: unknown option 'volum_cap'"):
        BrokerConfig.from_mapping({"volum_cap": 0.5})
    with pytest.raises(ConfigError, match="RiskConfig: unknown option 'max_qty'"):
        RiskConfig.from_mapping({"max_qty": 1})


def test_a_node_refuses_data_and_feeds_together_and_foreign_buses() -> None:
    from tickwire.bus import EventBus

    class Feed:
        name = "feed"

        def __init__(self, bus: EventBus) -> None:
            self.bus = bus

        async def start(self) -> None: ...

        async def stop(self) -> None: ...

    with pytest.raises(ConfigError, match="either data"):
        Node(EmaCross(), data=[], feeds=[Feed(EventBus())])
    with pytest.raises(ConfigError, match="another bus"):
        Node(EmaCross(), feeds=[Feed(EventBus())])
    with pytest.raises(ConfigError, match="async start"):
        Node(EmaCross(), feeds=[object()])
