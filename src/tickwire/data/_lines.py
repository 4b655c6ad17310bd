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
_LF = ord("\n")


def _substitute(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return NOT_UTF8 * (error.end - error.start), error.end


codecs.register_error(_ERRORS, _substitute)


def as_utf8(block: bytes) -> tuple[bytes, bool]:
    """``block`` with each byte that is not UTF-8 replaced by :data:`NOT_UTF8`, and whether
    any was. A block of whole lines never splits a character, so it decodes on its own."""
    if block.isascii():
        return block, False
    text = block.decode("utf-8", _ERRORS)
    return text.encode("utf-8"), NOT_UTF8 in text


def count_lines(data: bytes) -> int:
    """Line ends in ``data``: each ``\\r\\n`` once, lone ``\\r`` and ``\\n`` each once."""
    # numpy counts a byte several times faster than bytes.count; \r is rare and found fast.
    ends = int(np.count_nonzero(np.frombuffer(data, np.uint8) == _LF))
    if b"\r" in data:
        ends += data.count(b"\r") - data.count(b"\r\n")
    return ends


def _too_long(path: str, line: int) -> DataError:
    reason = f"line longer than {BLOCK_BYTES:,} bytes: not a row of market data"
    return DataError(BadRow(path, line, None, reason))


def line_blocks(path: str, offset: int, first: int) -> Iterator[tuple[int, bytes]]:
    """The file from byte ``offset`` (where line ``first`` starts) in blocks of whole lines,
    each with the number of its first line; the last gets a line end if it had none.

    At most two blocks' bytes are held at once, so memory does not depend on the file's
    size; a line longer than :data:`BLOCK_BYTES` raises DataError naming it.
    """
    carry = b""
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            block = f.read(BLOCK_BYTES)
            if not block:
                if len(carry) > BLOCK_BYTES:
                    raise _too_long(path, first)
                if carry:
                    yield first, carry + b"\n"
                return
            data = carry + block if carry else block
            if data.endswith(b"\r"):
                # A \r\n split across blocks is one line end, not two.
                data += f.read(1)
            end = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            if carry:
                # The first line began in the carry: it may have grown past the limit.
                ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
                if (min(ends) if ends else len(data)) > BLOCK_BYTES:
                    raise _too_long(path, first)
            if end == 0:
                carry = data
                continue
            whole, carry = data[:end], data[end:]
            data = block = b""  # not held while the consumer has the block
            yield first, whole
            first += count_lines(whole)
