"""``parse_block`` in Python: what ``tickwire/data/_plaincsv.c`` does, as a reference.

The tests hold the compiled parser to it (and both to Arrow's path). Interpreted builds
do not use it: Python parses a block several times slower than Arrow.
"""

from __future__ import annotations

import re
from array import array
from datetime import UTC, datetime

__all__ = ["parse_block"]

ROLE_TS = 1
ROLE_INSTRUMENT = 2
ROLE_NUMBER = 3
MAX_NAMES = 64
TS_NONE, TS_EPOCH, TS_ISO = 0, 1, 2
_NUMBER = re.compile(rb"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")
_EPOCH = re.compile(rb"-?\d{1,19}")
_ISO = re.compile(rb"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z?")
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_INT64_MAX = 2**63 - 1


def _iso_ns(field: bytes) -> int | None:
    match = _ISO.fullmatch(field)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if not 1678 <= year <= 2261:
        return None
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    seconds = (when - _EPOCH_START) // _ONE_SECOND
    fraction = (match.group(7) or b"").ljust(9, b"0")
    return seconds * 1_000_000_000 + int(fraction)


_ONE_SECOND = datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC) - _EPOCH_START


def parse_block(
    data: bytes, roles: bytes, numbers: int
) -> tuple[int, int, bytearray, bytearray, bytearray, list[str]] | None:
    """The block's columns as native-endian bytes, or None if it is not plain CSV."""
    if any(role >= ROLE_NUMBER + numbers for role in roles):
        raise ValueError("parse_block: a role past the number columns")
    if not data or not data.endswith(b"\n") or not data.isascii() or b'"' in data:
        return None
    lines = data[:-1].split(b"\n")
    ts = array("q", bytes(8 * len(lines)))
    values = array("d", bytes(8 * len(lines) * numbers))
    codes = array("i", bytes(4 * len(lines))) if ROLE_INSTRUMENT in roles else array("i")
    names: list[bytes] = []
    kind = TS_NONE
    for row, line in enumerate(lines):
        line = line[:-1] if line.endswith(b"\r") else line
        fields = line.split(b",")
        if not line or b"\r" in line or len(fields) != len(roles):
            return None
        for role, field in zip(roles, fields, strict=True):
            if role == ROLE_TS:
                if kind != TS_ISO and _EPOCH.fullmatch(field) and int(field) >= -_INT64_MAX:
                    if int(field) > _INT64_MAX:
                        return None
                    kind, ts[row] = TS_EPOCH, int(field)
                elif kind != TS_EPOCH and (ns := _iso_ns(field)) is not None:
                    kind, ts[row] = TS_ISO, ns
                else:
                    return None
            elif role >= ROLE_NUMBER:
                if not _NUMBER.fullmatch(field):
                    return None
                value = float(field)
                if value in (float("inf"), float("-inf")):
                    return None
                values[(role - ROLE_NUMBER) * len(lines) + row] = value
            elif role == ROLE_INSTRUMENT:
                if field not in names:
                    if not field or len(names) == MAX_NAMES or b" " in field or b"\t" in field:
                        return None
                    names.append(field)
                codes[row] = names.index(field)
    if ROLE_TS not in roles:
        kind = TS_NONE
    return (
        len(lines),
        kind,
        bytearray(ts.tobytes()),
        bytearray(values.tobytes()),
        bytearray(codes.tobytes()),
        [name.decode("ascii") for name in names],
    )
