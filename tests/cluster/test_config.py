"""The cluster file: typed, every mistake named with the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickwire._exceptions import ConfigError
from tickwire.cluster import Replay, RestartPolicy, load_cluster
from tickwire.transport import Guarantee

MINIMAL = """
[gateway]
data = ["bars.csv"]

[[strategies]]
strategy = "tickwire.strategy.ema_cross:EmaCross"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cluster.toml"
    path.write_text(text)
    return path


def test_defaults_are_seed_001s_ports_on_loopback_and_a_lockstep_replay(tmp_path: Path) -> None:
    cluster = load_cluster(_write(tmp_path, MINIMAL))
    assert cluster.endpoints.market_data == "tcp://127.0.0.1:5555"
    assert cluster.endpoints.signals == "tcp://127.0.0.1:5556"
    assert cluster.gateway.replay is Replay.LOCKSTEP and cluster.lockstep
    assert cluster.executor.guarantee is Guarantee.EXACTLY_ONCE
    assert cluster.restart.policy is RestartPolicy.ON_FAILURE
    assert cluster.recorder is None
    assert cluster.process_names() == ["order-gateway", "executor", "EmaCross", "gateway"]


def test_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    cluster = load_cluster(_write(tmp_path, MINIMAL))
    assert cluster.path(cluster.gateway.data[0]) == tmp_path / "bars.csv"
    assert cluster.state_path == tmp_path / ".tickwire-cluster"


def test_strategies_of_one_class_are_named_as_a_node_names_them(tmp_path: Path) -> None:
    text = MINIMAL + '[[strategies]]\nstrategy = "tickwire.strategy.ema_cross:EmaCross"\n'
    text += '[[strategies]]\nstrategy = "x.py:Other"\nname = "mine"\n'
    cluster = load_cluster(_write(tmp_path, text))
    assert cluster.strategy_names() == ["EmaCross", "EmaCross.2", "mine"]
    assert cluster.strategy("mine").strategy == "x.py:Other"
    with pytest.raises(ConfigError, match=r"no strategy 'nope'.*EmaCross, EmaCross\.2, mine"):
        cluster.strategy("nope")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL + "[gateway2]\n", "unknown field `gateway2`"),
        (MINIMAL.replace("data =", "dta ="), r"unknown field `dta`.*\$.gateway"),
        (MINIMAL + '[executor]\nguarantee = "twice"\n', r"\$.executor.guarantee"),
        (MINIMAL + "[restart]\nbackoff = -1\n", r"\$.restart.backoff"),
        (MINIMAL + "[executor]\nkeep_processed = 4\n", r"must outlast a signal's retries.*5 s"),
        ("[gateway]\ndata = ['a.csv']\n", "at least one strategy"),
        (MINIMAL.replace('data = ["bars.csv"]', ""), "either data"),
        (MINIMAL + '[gateway]\nfeed = "ws://x"\n', "not valid TOML"),
        ("[cluster\n", "not valid TOML"),
    ],
)
def test_a_mistake_names_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_cluster(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such cluster file"):
        load_cluster(tmp_path / "absent.toml")
