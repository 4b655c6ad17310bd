"""Blocks of whole lines by number, and marking the bytes that are not UTF-8."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tickwire.data import DataError
from tickwire.data._lines import BLOCK_BYTES, NOT_UTF8, as_utf8, count_lines, line_blocks


def copied(path: Path, offset: int, first: int) -> list[tuple[int, bytes]]:
    """Every block, copied as it comes: a block's view is reused for the block after next."""
    return [(line, bytes(block)) for line, block in line_blocks(str(path), offset, first)]


def test_lines_end_at_crlf_cr_or_lf(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"head\r\none\rtwo\n\nfour\r\n\r\nsix")
    blocks = copied(path, 6, 2)
    assert blocks == [(2, b"one\rtwo\n\nfour\r\n\r\n"), (7, b"six\n")]
    assert count_lines(blocks[0][1]) == 5


def test_blocks_are_numbered_and_a_crlf_split_across_reads_is_one_line_end(
    tmp_path: Path,
) -> None:
    first = b"a" * (BLOCK_BYTES - 1) + b"\r"  # the \r ends a read, its \n starts the next
    rows = b"".join(b"%d\n" % i for i in range(300_000))
    path = tmp_path / "x.csv"
    path.write_bytes(first + b"\n" + rows + b"last")
    blocks = copied(path, 0, 1)
    assert blocks[0] == (1, first + b"\n")
    assert b"".join(block for _, block in blocks) == first + b"\n" + rows + b"last\n"
    for (line, block), (following, _) in itertools.pairwise(blocks):
        assert following == line + count_lines(block)
        assert len(block) <= BLOCK_BYTES + 1
    assert blocks[-1][0] + count_lines(blocks[-1][1]) - 1 == 300_002


@pytest.mark.parametrize("tail", [b"\n1,2\n", b""])
def test_a_line_longer_than_a_block_is_named_without_reading_it_all(
    tmp_path: Path, tail: bytes
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"h\n1,2\n" + b"9" * (BLOCK_BYTES + 10) + tail)
    blocks = line_blocks(str(path), 2, 2)
    assert next(blocks) == (2, b"1,2\n")  # a view compares as its bytes
    with pytest.raises(DataError) as caught:
        next(blocks)
    assert caught.value.line == 3


def test_bytes_that_are_not_utf8_become_one_marker_each() -> None:
    text = "ts,name\n1,Zürich\n2,€uro\n".encode()
    out, marked = as_utf8(text + b"3,\xff\xfeX\n4,\xe2\x82\n")
    assert out == text + b"3," + NOT_UTF8.encode() * 2 + b"X\n4," + NOT_UTF8.encode() * 2 + b"\n"
    assert marked
    assert as_utf8(text) == (text, False)


def test_blocks_are_views_not_copies_and_the_file_reads_back(tmp_path: Path) -> None:
    rows = b"".join(b"%d,%d.25\n" % (i, i) for i in range(400_000))
    path = tmp_path / "x.csv"
    path.write_bytes(rows)
    parts = []
    for _, block in line_blocks(str(path), 0, 1):
        assert isinstance(block, memoryview) and len(block) <= BLOCK_BYTES + 1
        parts.append(bytes(block))
    assert len(parts) > 3 and b"".join(parts) == rows
