"""The code in README runs as written (with the sample data standing in for bars.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickwire.data import sample_data_paths

README = Path(__file__).resolve().parents[1] / "README.md"


def snippets() -> list[str]:
    return [block.split("```")[0] for block in README.read_text().split("```python")[1:]]


@pytest.mark.parametrize("index", range(len(snippets())))
def test_readme_snippet_runs(
    index: int,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code = snippets()[index].replace('"bars.csv"', repr(str(sample_data_paths()[0])))
    # As a script: code under an `if __name__ == "__main__":` guard runs too.
    exec(compile(code, f"README.md snippet {index}", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out
