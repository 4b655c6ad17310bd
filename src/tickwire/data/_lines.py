"""Physical lines of a text file by number, and a byte stream that is always valid UTF-8.

Lines end at ``\\r\\n``, ``\\r`` or ``\\n``, as the CSV parser ends rows, so a line number
here names the same row as the parser's count.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

__all__ = ["NOT_UTF8", "LineScanner", "Utf8Stream", "whole_line_blocks"]

NOT_UTF8 = "\x1a"
"""What each byte that is not UTF-8 becomes (ASCII SUB, the substitute character): one
byte for one byte, and never found in real market data."""
_ERRORS = "tickwire.substitute"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BLOCK = 1 << 20
_LF = ord("\n")


def _substitute(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return NOT_UTF8 * (error.end - error.start), error.end


codecs.register_error(_ERRORS, _substitute)


class Utf8Stream(io.RawIOBase):
    """The bytes of the file at ``path``, each byte that is not UTF-8 replaced by :data:`NOT_UTF8`.

    The CSV parser fails on the whole file at a malformed row that is not UTF-8; with
    this in front such a row is an ordinary bad row. ASCII blocks, nearly all market
    data, pass through untouched as Arrow buffers (the parser reads ahead up to about 32
    blocks, which thus stay out of Python's heap, as when the parser opens the file).
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self._raw = pa.OSFile(path)  # a missing file raises FileNotFoundError
        self._decoder = codecs.getincrementaldecoder("utf-8")(_ERRORS)
        self._out = b""
        self.substituted = False
        """Whether any byte has been replaced so far."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> Any:
        if not self._out and not self._decoder.getstate()[0]:
            block = self._raw.read_buffer(None if size < 0 else size)
            if not np.frombuffer(block, np.uint8).max(initial=0) & 0x80:
                return block
            self._out = self._decode(bytes(block), final=block.size == 0)
        while size < 0 or len(self._out) < size:
            data = bytes(self._raw.read_buffer(_BLOCK if size < 0 else size))
            self._out += self._decode(data, final=not data)
            if not data:
                break
        if size < 0:
            size = len(self._out)
        out, self._out = self._out[:size], self._out[size:]
        return out

    def _decode(self, data: bytes, *, final: bool) -> bytes:
        if data.isascii() and not self._decoder.getstate()[0]:
            return data
        text = self._decoder.decode(data, final=final)
        self.substituted = self.substituted or NOT_UTF8 in text
        return text.encode("utf-8")

    def close(self) -> None:
        self._raw.close()
        super().close()


class LineScanner:
    """Reads chosen lines of a file front to back; each request must ask for later lines.

    Blocks holding none of the lines asked for are only counted, so fetching a line near
    the end of a large file costs one fast pass over its bytes.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._blocks: Iterator[tuple[int, bytes]] | None = None
        self._first = 1
        self._data = b""
        self._count = 0
        self._lines: list[bytes] | None = None

    def lines(self, numbers: list[int]) -> dict[int, bytes]:
        """The text of lines ``numbers`` (increasing, 1-based) that exist, without line ends."""
        if self._blocks is None:
            self._blocks = whole_line_blocks(self.path)
        found: dict[int, bytes] = {}
        for number in numbers:
            while number >= self._first + self._count:
                next_block = next(self._blocks, None)
                if next_block is None:
                    return found
                self._first, self._data = next_block
                self._count = _count_lines(self._data)
                self._lines = None
            if self._lines is None:
                self._lines = _LINE_END.split(self._data)
            found[number] = self._lines[number - self._first]
        return found


def _count_lines(data: bytes) -> int:
    """Line ends in ``data``: each ``\\r\\n`` once, lone ``\\r`` and ``\\n`` each once."""
    # numpy counts a byte several times faster than bytes.count; \r is rare and found fast.
    ends = int(np.count_nonzero(np.frombuffer(data, np.uint8) == _LF))
    if b"\r" in data:
        ends += data.count(b"\r") - data.count(b"\r\n")
    return ends


def whole_line_blocks(path: str) -> Iterator[tuple[int, bytes]]:
    """The file in blocks that end at a line end, each with the number of its first line."""
    first = 1
    carry = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(_BLOCK)
            if not block:
                if carry:
                    yield first, carry + b"\n"
                return
            data = carry + block
            if data.endswith(b"\r"):
                # A \r\n split across blocks is one line end, not two.
                data += f.read(1)
            end = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            if end == 0:
                carry = data
                continue
            whole, carry = data[:end], data[end:]
            yield first, whole
            first += _count_lines(whole)
