"""The code in docs/events.md's "Writing events as the design documents do" runs as
written; a block marked ``# raises TypeError`` raises it."""

from __future__ import annotations

from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"
SECTION = "## Writing events as the design documents do"


def blocks() -> list[str]:
    text = DOC.read_text()
    section = text[text.index(SECTION) :]
    end = section.find("\n## ", len(SECTION))
    section = section if end < 0 else section[:end]
    return [block.split("```")[0] for block in section.split("```python\n")[1:]]


def test_the_section_has_its_examples() -> None:
    assert len(blocks()) >= 6


@pytest.mark.usefixtures("isolated_registry")
@pytest.mark.parametrize("index", range(len(blocks())))
def test_seed_section_block_runs(index: int) -> None:
    code = blocks()[index]
    run = compile(code, f"docs/events.md seed block {index}", "exec")
    if code.startswith("# raises TypeError"):
        with pytest.raises(TypeError, match="frozen=True, kw_only=True"):
            exec(run, {"__name__": "seed_docs"})
    else:
        exec(run, {"__name__": "seed_docs"})
