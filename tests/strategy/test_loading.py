"""Strategies named by text, as the command line and sweep workers load them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickwire import StrategyError
from tickwire.strategy.ema_cross import EmaCross
from tickwire.strategy.loading import build_strategy, load_strategy, strategy_reference


def test_a_module_name_and_a_file_load_the_class(tmp_path: Path) -> None:
    assert load_strategy("tickwire.strategy.ema_cross:EmaCross") is EmaCross
    path = tmp_path / "mine.py"
    path.write_text("from tickwire import Strategy\n\nclass Mine(Strategy):\n    n: int = 1\n")
    cls = load_strategy(f"{path}:Mine")
    assert cls.__name__ == "Mine" and load_strategy(f"{path}:Mine") is cls


def test_code_under_a_main_guard_does_not_run(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text(
        "from tickwire import Strategy\n\nclass S(Strategy):\n    pass\n\n"
        "if __name__ == '__main__':\n    raise SystemExit('ran the script')\n"
    )
    assert load_strategy(f"{path}:S").__name__ == "S"


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("from tickwire import Strategy\n\nclass B(Strategy)\n    pass\n")
    with pytest.raises(StrategyError, match=r"broken\.py:3: "):
        load_strategy(f"{path}:B")


def test_an_error_while_running_the_file_says_it_came_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "loud.py"
    path.write_text("import json\n\nopen('bars.csv')\n")
    with pytest.raises(StrategyError) as caught:
        load_strategy(f"{path}:X")
    message = str(caught.value)
    assert message.startswith(f"{path}:3: running this strategy file failed: FileNotFoundError")
    assert 'under `if __name__ == "__main__":`' in message  # top-level code: the hint


def test_an_error_inside_a_function_of_the_file_names_that_line(tmp_path: Path) -> None:
    path = tmp_path / "nested.py"
    path.write_text("def setup():\n    return {}['key']\n\nsetup()\n")
    with pytest.raises(StrategyError, match=r"nested\.py:2: running this strategy file failed: "
                       "KeyError") as caught:  # fmt: skip
        load_strategy(f"{path}:X")
    assert "__main__" not in str(caught.value)  # not top-level code: no hint


def test_a_failing_constructor_names_class_parameters_and_line(tmp_path: Path) -> None:
    path = tmp_path / "picky.py"
    path.write_text(
        "from tickwire import Strategy\n\nclass Picky(Strategy):\n    n: int = 1\n\n"
        "    def __init__(self, **params):\n        super().__init__(**params)\n"
        "        if self.n < 0:\n            raise ValueError('n must be >= 0')\n"
    )
    picky = load_strategy(f"{path}:Picky")
    with pytest.raises(StrategyError) as caught:
        build_strategy(picky, {"n": -1})
    assert str(caught.value) == f"Picky(n=-1) failed at {path}:9: ValueError: n must be >= 0"
    assert build_strategy(picky, {"n": 2}).params == {"n": 2}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "must look like"),
        ("tickwire.nope:X", "cannot import"),
        ("tickwire.strategy.ema_cross:Nope", "has no class"),
        ("tickwire.events:Bar", "not a tickwire Strategy"),
        ("missing/file.py:X", "not found"),
    ],
)
def test_bad_names_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(StrategyError, match=message):
        load_strategy(spec)


def test_a_reference_loads_back_as_the_same_class(tmp_path: Path) -> None:
    assert strategy_reference(EmaCross) == "tickwire.strategy.ema_cross:EmaCross"
    path = tmp_path / "mine.py"
    path.write_text("from tickwire import Strategy\n\nclass Mine(Strategy):\n    pass\n")
    cls = load_strategy(f"{path}:Mine")
    assert load_strategy(strategy_reference(cls)) is cls


def test_a_class_inside_a_function_cannot_be_referenced() -> None:
    from tickwire import Strategy

    class Local(Strategy):
        pass

    with pytest.raises(StrategyError, match="top level"):
        strategy_reference(Local)
