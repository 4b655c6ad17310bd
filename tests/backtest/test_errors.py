"""A strategy that raises: the run stops at that bar by default (or goes on when asked),
its status says so, and the error keeps its traceback."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tickwire import ConfigError, StrategyError
from tickwire.backtest import Backtest, ErrorPolicy
from tickwire.data import synthetic_bars
from tickwire.events import Bar, ErrorEvent
from tickwire.persistence import RunStatus
from tickwire.strategy import Strategy
from tickwire.strategy.ema_cross import EmaCross
from tickwire.strategy.indicators import SMA


class FailsAtThird(Strategy):
    seen: int = 0

    def on_bar(self, bar: Bar) -> None:
        self.seen += 1
        if self.seen >= 3:
            raise ZeroDivisionError("third bar")  # the line the traceback must name


def _line(marker: str) -> int:
    """The line of this file that holds ``marker`` (in a comment)."""
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith(f"# {marker}"))


RAISES = _line("the line the traceback must name")


def _bars(n: int = 20) -> list[Bar]:
    return list(synthetic_bars(n, seed=3))


@pytest.mark.parametrize("mode", ["sync", "threaded"])
def test_by_default_the_run_stops_at_the_bar_that_failed(mode: str) -> None:
    result = Backtest(FailsAtThird, _bars(), mode=mode).run()  # type: ignore[arg-type]
    assert result.bars == 3
    assert result.status == RunStatus.FAILED and not result.ok
    [error] = result.errors
    assert (error.component, error.error_type) == ("FailsAtThird.on_bar", "ZeroDivisionError")
    assert error.ts_event_ns == _bars()[2].ts_event_ns
    assert f'test_errors.py", line {RAISES}, in on_bar' in error.traceback
    assert error.traceback.rstrip().endswith("ZeroDivisionError: third bar")
    assert "_bus.py" not in error.traceback  # the dispatch frames are left out
    assert result.summary()["status"] == "failed" and result.summary()["errors"] == 1


def test_continue_goes_on_and_counts_each_kind_once() -> None:
    result = Backtest(FailsAtThird, _bars(), on_error=ErrorPolicy.CONTINUE).run()
    assert result.bars == 20 and len(result.errors) == 18
    assert result.status == RunStatus.FINISHED_WITH_ERRORS
    [kind] = result.error_kinds()
    assert (kind.component, kind.error_type, kind.count) == (
        "FailsAtThird.on_bar",
        "ZeroDivisionError",
        18,
    )
    assert f"line {RAISES}" in kind.traceback
    assert all(e.traceback for e in result.errors[:10])
    assert not any(e.traceback for e in result.errors[10:])  # repeats are only counted


def test_a_run_without_failures_is_finished() -> None:
    result = Backtest(EmaCross, synthetic_bars(500, seed=1)).run()
    assert result.status == RunStatus.FINISHED and result.ok and result.errors == []


def test_rejected_bars_do_not_stop_the_run() -> None:
    bars = _bars(5)
    bars[1] = Bar(**{**{f: getattr(bars[1], f) for f in Bar.__struct_fields__}, "close": math.nan})
    result = Backtest(EmaCross, bars).run()
    assert result.bars == 4 and result.status == RunStatus.FINISHED
    assert [e.component for e in result.errors] == ["Backtest"]


def test_a_value_error_while_starting_names_strategy_parameter_and_line() -> None:
    class Breakout(Strategy):
        lookback: int = 20

        def on_start(self) -> None:
            self.average = SMA(self.lookback)  # refuses -5

    with pytest.raises(StrategyError) as caught:
        Backtest(Breakout, _bars(), params={"lookback": -5}).run()
    message = str(caught.value)
    assert message.startswith("Breakout.on_start (")
    assert f"test_errors.py:{_line('refuses -5')})" in message and "(lookback=-5)" in message
    assert message.endswith("period must be > 0, got -5")


@pytest.mark.parametrize("hook", ["on_start", "on_stop"])
@pytest.mark.parametrize("policy", ["stop", "continue"])
def test_a_failing_hook_fails_the_run(hook: str, policy: str) -> None:
    def fail(self: Strategy) -> None:
        raise KeyError("missing")

    failing = type("Failing", (Strategy,), {hook: fail})
    result = Backtest(failing, _bars(), on_error=policy).run()
    [error] = result.errors
    assert error.component == f"Failing.{hook}" and error.error_type == "KeyError"
    assert "in fail" in error.traceback
    assert result.bars == (0 if hook == "on_start" else 20)
    stopped = hook == "on_start" or policy == "stop"
    assert result.status == (RunStatus.FAILED if stopped else RunStatus.FINISHED_WITH_ERRORS)


def test_a_recorder_keeps_the_error_of_a_stopped_run() -> None:
    from tickwire.persistence import MemoryStore, Recorder

    store = MemoryStore()
    engine = Backtest(FailsAtThird, _bars())
    with Recorder(store, strategy="FailsAtThird").attach(engine.bus) as recorder:
        engine.run()
    errors = list(store.iter_events(recorder.run_id, types=[ErrorEvent]))
    assert len(errors) == 1 and f"line {RAISES}" in errors[0].traceback


@pytest.mark.parametrize("cash", [-5, 0, math.nan, math.inf, "lots", True])
def test_cash_that_cannot_make_sense_is_refused(cash: object) -> None:
    with pytest.raises(ConfigError, match="cash must be"):
        Backtest(EmaCross, _bars(), cash=cash)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("broker", "message"),
    [({"volume_cap": 3.0}, "volume_cap"), ({"no_such_option": 1}, "no_such_option")],
)
def test_broker_options_are_checked_before_the_run(broker: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Backtest(EmaCross, _bars(), broker=broker)


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ConfigError, match="'stop', 'continue'"):
        Backtest(EmaCross, _bars(), on_error="ignore")
