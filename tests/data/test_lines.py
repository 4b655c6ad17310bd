"""Physical lines by number, and the stream that makes any bytes UTF-8 for the CSV parser."""

from __future__ import annotations

from pathlib import Path

from tickwire.data._lines import NOT_UTF8, LineScanner, Utf8Stream


def test_lines_end_at_crlf_cr_or_lf(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"head\r\none\rtwo\n\nfour\r\n\r\nsix")
    scanner = LineScanner(str(path))
    assert scanner.lines([2, 3, 4]) == {2: b"one", 3: b"two", 4: b""}
    assert scanner.lines([5, 6, 7, 8]) == {5: b"four", 6: b"", 7: b"six"}


def test_lines_far_into_a_file_and_a_crlf_split_across_blocks(tmp_path: Path) -> None:
    block = 1 << 20
    first = b"a" * (block - 1) + b"\r"  # the \r ends a read block, its \n starts the next
    path = tmp_path / "x.csv"
    path.write_bytes(first + b"\n" + b"".join(b"%d\n" % i for i in range(300_000)) + b"\nlast")
    scanner = LineScanner(str(path))
    assert scanner.lines([1]) == {1: first[:-1]}
    assert scanner.lines([2, 200_001, 300_002, 300_003]) == {
        2: b"0",
        200_001: b"199999",
        300_002: b"",
        300_003: b"last",
    }


def _read_all(stream: Utf8Stream, size: int) -> bytes:
    parts = []
    while True:
        part = bytes(stream.read(size))
        if not part:
            return b"".join(parts)
        parts.append(part)


def test_utf8_stream_replaces_each_bad_byte_by_one_marker(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    text = "ts,name\n1,Zürich\n2,€uro\n".encode()
    path.write_bytes(text + b"3,\xff\xfeX\n4,\xe2\x82\n")
    for size in (1, 2, 3, 5, 1 << 20):  # reads that split the multi-byte characters
        stream = Utf8Stream(str(path))
        out = _read_all(stream, size)
        marker = NOT_UTF8.encode()
        assert out == text + b"3," + marker * 2 + b"X\n4," + marker * 2 + b"\n"
        assert stream.substituted


def test_utf8_stream_passes_utf8_through_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    data = "ts,name\n1,Zürich €\n".encode() * 1000
    path.write_bytes(data)
    stream = Utf8Stream(str(path))
    assert _read_all(stream, 7) == data
    assert not stream.substituted
