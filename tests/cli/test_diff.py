"""``tickwire runs diff``: two runs' fills, identical or the first difference named."""

from __future__ import annotations

import json

import msgspec
import pytest

from tickwire.data import sample_data_paths
from tickwire.events import Fill
from tickwire.persistence import RunInfo, open_store

from .helpers import run

EMA = "tickwire.strategy.ema_cross:EmaCross"


def test_a_run_and_its_replay_are_identical_and_a_changed_price_is_named(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    db = f"memory://{request.node.nodeid}"
    data = str(sample_data_paths()[0])
    code, out, err = run(capsys, "backtest", EMA, "--data", data, "--db", db, "--json")
    assert code == 0, err
    original = json.loads(out)["run_id"]
    code, out, err = run(capsys, "backtest", EMA, "--replay", original, "--db", db, "--json")
    assert code == 0, err
    replayed = json.loads(out)["run_id"]
    code, out, _ = run(capsys, "runs", "diff", original[:8], replayed[:8], "--db", db)
    assert code == 0
    assert out.startswith("identical: ") and f"{original[:12]} and {replayed[:12]}" in out

    store = open_store(db)  # the same events, but the seventh fill 0.5 dearer
    events = list(store.iter_events(original))
    fills = [i for i, e in enumerate(events) if isinstance(e, Fill)]
    changed = events[fills[6]]
    assert isinstance(changed, Fill)
    events[fills[6]] = msgspec.structs.replace(changed, price=changed.price + 0.5)
    store.create_run(RunInfo(run_id="edited", strategy="EmaCross"))
    store.append_events("edited", 0, events)
    store.finish_run("edited", ended_ns=1, status="finished", event_count=len(events))
    code, out, _ = run(capsys, "runs", "diff", original, "edited", "--db", db)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("first difference at fill 7 (") and "different price" in lines[0]
    assert f"at {changed.price:g}," in lines[1] and f"at {changed.price + 0.5:g}," in lines[2]
    assert lines[3].startswith("  market then: bar ACME ")
    assert lines[-1] == f"differ: {len(fills)} and {len(fills)} fills"


def test_a_missing_fill_is_called_missed(
    capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    db = f"memory://{request.node.nodeid}"
    data = str(sample_data_paths()[0])
    code, out, _ = run(capsys, "backtest", EMA, "--data", data, "--db", db, "--json")
    original = json.loads(out)["run_id"]
    store = open_store(db)
    events = list(store.iter_events(original))
    first_fill = next(i for i, e in enumerate(events) if isinstance(e, Fill))
    del events[first_fill]
    store.create_run(RunInfo(run_id="fewer", strategy="EmaCross"))
    store.append_events("fewer", 0, events)
    code, out, _ = run(capsys, "runs", "diff", original, "fewer", "--db", db)
    assert code == 1 and "missed fill" in out.splitlines()[0]
