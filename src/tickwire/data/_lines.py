"""A text file in blocks of whole lines, each numbered by its first line, in bounded memory.

Lines end at ``\\r\\n``, ``\\r`` or ``\\n``, as the CSV parser ends rows, so a line number
here names the same row as the parser's count. Bytes that are not UTF-8 can be marked
(:func:`as_utf8`) so that the parser sees valid text and such a row is an ordinary bad row.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import numpy as np

from tickwire.data._report import BadRow, DataError

__all__ = ["BLOCK_BYTES", "NOT_UTF8", "as_utf8", "count_lines", "line_blocks"]

NOT_UTF8 = "\x1a"
"""What each byte that is not UTF-8 becomes (ASCII SUB, the substitute character): one
byte for one byte, and never found in real market data."""
BLOCK_BYTES = 1 << 20
"""Bytes read per block: about 17,000 bar rows, small enough to keep memory flat. A line
longer than this is not a row of market data and stops the read."""
_ERRORS = "tickwire.substitute"
_BUFFER_BYTES = BLOCK_BYTES + (1 << 16)
"""A block and a carried partial line of up to 64 KiB (a longer one gets its own buffer)."""
_LF = ord("\n")
_CR = ord("\r")


def _substitute(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return NOT_UTF8 * (error.end - error.start), error.end


codecs.register_error(_ERRORS, _substitute)


def as_utf8(block: bytes | memoryview) -> tuple[bytes, bool]:
    """``block`` with each byte that is not UTF-8 replaced by :data:`NOT_UTF8`, and whether
    any was. A block of whole lines never splits a character, so it decodes on its own."""
    block = bytes(block)  # a view from line_blocks: Arrow's path can afford the copy
    if block.isascii():
        return block, False
    text = block.decode("utf-8", _ERRORS)
    return text.encode("utf-8"), NOT_UTF8 in text


def count_lines(data: bytes | memoryview) -> int:
    """Line ends in ``data``: each ``\\r\\n`` once, lone ``\\r`` and ``\\n`` each once."""
    return _line_ends(data if isinstance(data, bytes) else bytes(data), len(data))


def _line_ends(text: bytes | bytearray, end: int) -> int:
    """Line ends in ``text[:end]``, counted in place."""
    # numpy counts a byte several times faster than bytes.count; \r is rare and found fast.
    with memoryview(text) as view:
        ends = int(np.count_nonzero(np.frombuffer(view[:end], np.uint8) == _LF))
    if text.find(b"\r", 0, end) >= 0:
        ends += text.count(b"\r", 0, end) - text.count(b"\r\n", 0, end)
    return ends


def _too_long(path: str, line: int) -> DataError:
    reason = f"line longer than {BLOCK_BYTES:,} bytes: not a row of market data"
    return DataError(BadRow(path, line, None, reason))


def line_blocks(path: str, offset: int, first: int) -> Iterator[tuple[int, bytes | memoryview]]:
    """The file from byte ``offset`` (where line ``first`` starts) in blocks of whole lines,
    each with the number of its first line; the last gets a line end if it had none.

    Each block is read straight after the partial line carried over from the last one into
    one of two buffers used in turn, and handed on as a view of it: no block is copied. A
    view is valid until the block after next is asked for (consumers copy what they keep),
    so memory does not depend on the file's size; a line longer than :data:`BLOCK_BYTES`
    raises DataError naming it.
    """
    buffers = [bytearray(_BUFFER_BYTES), bytearray(_BUFFER_BYTES)]
    turn = 0
    carry = b""
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            data = buffers[turn]
            if len(carry) + BLOCK_BYTES + 1 > len(data):  # a carried line of over 64 KiB
                data = bytearray(len(carry) + BLOCK_BYTES + 1)
            turn = 1 - turn
            data[: len(carry)] = carry
            with memoryview(data) as room:
                read = f.readinto(room[len(carry) : len(carry) + BLOCK_BYTES])
            if not read:
                if len(carry) > BLOCK_BYTES:
                    raise _too_long(path, first)
                if carry:
                    yield first, carry + b"\n"
                return
            size = len(carry) + read
            if data[size - 1] == _CR:
                # A \r\n split across blocks is one line end, not two.
                with memoryview(data) as room:
                    size += f.readinto(room[size : size + 1])
            end = max(data.rfind(b"\n", 0, size), data.rfind(b"\r", 0, size)) + 1
            if carry:
                # The first line began in the carry: it may have grown past the limit.
                ends = [i for i in (data.find(b"\n", 0, size), data.find(b"\r", 0, size)) if i >= 0]
                if (min(ends) if ends else size) > BLOCK_BYTES:
                    raise _too_long(path, first)
            if end == 0:
                carry = bytes(data[:size])
                continue
            carry = bytes(data[end:size])
            yield first, memoryview(data)[:end]
            first += _line_ends(data, end)
