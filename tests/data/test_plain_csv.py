"""Plain CSV blocks parsed without Arrow give exactly what Arrow's path gives, or decline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.data import DataError, read_bars, read_ticks, synthetic_bars, write_bars_csv
from tickwire.data import _csv as csv_module
from tickwire.data._lines import BLOCK_BYTES

from . import plaincsv_reference
from .helpers import BAR_HEADER, write_csv

try:
    from tickwire.data import _plaincsv as compiled
except ImportError:  # an interpreted build
    compiled = None  # type: ignore[assignment]

PARSERS: list[ModuleType] = [plaincsv_reference] + ([compiled] if compiled is not None else [])
NUMBER = bytes([1, 3])  # ts, then one number column


def _bars(path: Path, **options: object) -> list[tuple[object, ...]]:
    source = read_bars(path, **options)  # type: ignore[arg-type]
    return [(b.ts_event_ns, b.instrument, b.open, b.high, b.low, b.close, b.volume) for b in source]


def _through_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every block go through Arrow's path, as before plain blocks existed."""
    monkeypatch.setattr(csv_module, "parse_block", lambda *args: None)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "text",
    [
        "0",
        "-0",
        "5.",
        ".5",
        "-.5",
        "100.0418",
        "1e5",
        "1E+05",
        "-1.5e-3",
        "00012.5",
        "123456789012345678901234",
        "0.1000000000000000055511151231257827",
        "2.2250738585072014e-308",
        "9007199254740993",
        "1e-320",
        "4.9e-324",
    ],
)
def test_numbers_round_as_python_and_arrow_do(parser: ModuleType, text: str) -> None:
    parsed = parser.parse_block(b"1," + text.encode() + b"\n", NUMBER, 1)
    assert parsed is not None
    value = float(np.frombuffer(parsed[3], np.float64)[0])
    assert value == float(text) and np.signbit(value) == np.signbit(float(text))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__)
@pytest.mark.parametrize(
    "line",
    [
        b"1,+5",
        b"1,1e400",
        b"1, 5",
        b"1,5 ",
        b'1,"5"',
        b"1,",
        b"1,.",
        b"1,-",
        b"1,1e",
        b"1,inf",
        b"1,nan",
        b"1,5,6",
        b"1",
        b"1,1e1234",
        b"1,5\r6",
        b"1,\xc3\xa9",
        b"+1,5",
        b"12345678901234567890,5",
        b"2020-01-01,5",
        b"2020-02-30T00:00:00,5",
        b"2020-01-01T24:00:00,5",
        b"2020-01-01 00:00:00,5",
        b"2020-01-01T00:00:00.,5",
        b"1600-01-01T00:00:00,5",
        b"2020-01-01t00:00:00z,5",
        b"2020-01-01T00:00:00+01:00,5",
    ],
)
def test_anything_not_plain_is_declined(parser: ModuleType, line: bytes) -> None:
    assert parser.parse_block(line + b"\n", NUMBER, 1) is None


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__)
def test_a_role_past_the_number_columns_is_refused(parser: ModuleType) -> None:
    with pytest.raises(ValueError, match="past the number columns"):
        parser.parse_block(b"1,5\n", bytes([1, 4]), 1)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__)
def test_blank_lines_and_a_missing_final_line_end_are_declined(parser: ModuleType) -> None:
    assert parser.parse_block(b"1,5\n\n2,6\n", NUMBER, 1) is None
    assert parser.parse_block(b"1,5\r\n\r\n", NUMBER, 1) is None
    assert parser.parse_block(b"1,5", NUMBER, 1) is None


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__)
def test_times_names_and_skipped_fields(parser: ModuleType) -> None:
    roles = bytes([1, 0, 3, 2])  # ts, a column nobody wants, a number, the instrument
    block = b"2020-01-01T00:00:00Z,x y,1,ES\r\n2020-01-01T00:00:00.5,,2,NQ\n"
    late = b"2262-01-01T00:00:00,q,3,ES\n"  # past int64 nanoseconds
    assert parser.parse_block(block + late, roles, 1) is None
    rows, kind, ts, _, codes, names = parser.parse_block(block, roles, 1)
    assert (rows, kind, names) == (2, 2, ["ES", "NQ"])
    assert np.frombuffer(ts, np.int64).tolist() == [1577836800_000000000, 1577836800_500000000]
    assert np.frombuffer(codes, np.int32).tolist() == [0, 1]
    assert parser.parse_block(b"1,5,E S\n", bytes([1, 3, 2]), 1) is None
    assert parser.parse_block(b"1,5,\n", bytes([1, 3, 2]), 1) is None
    assert parser.parse_block(b"1,5,ES\n2020-01-01T00:00:00,5,ES\n", bytes([1, 3, 2]), 1) is None


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(0, 12))
def test_any_float_written_any_way_reads_back_exactly(value: float, digits: int) -> None:
    for text in (repr(value), f"{value:.{digits}f}", f"{value:.{digits}e}"):
        for parser in PARSERS:
            parsed = parser.parse_block(b"1," + text.encode() + b"\n", NUMBER, 1)
            if parsed is not None:  # declined only past the exponent limit
                assert np.frombuffer(parsed[3], np.float64)[0] == float(text), text


@pytest.mark.parametrize("ts_format", ["ns", "s", "iso"])
def test_a_file_reads_the_same_with_and_without_plain_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ts_format: str
) -> None:
    bars = synthetic_bars(40_000, seed=3, interval="1s", gap_probability=0.3)
    path = tmp_path / "ES.csv"
    write_bars_csv(path, bars, ts_format=ts_format)
    plain = _bars(path)
    _through_arrow(monkeypatch)
    assert plain == _bars(path)
    assert len(plain) == 40_000


def test_blocks_that_are_not_plain_mid_file_keep_their_lines_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [f"{1_700_000_000 + i * 60},1.5,2,1,1.5,10" for i in range(100_000)]
    good[50_000] = f'{1_700_000_000 + 50_000 * 60}," 1.5",2,1,1.5,10'  # quoted: Arrow's
    good[80_000] = f"{1_700_000_000 + 80_000 * 60},3,2,1,1.5,10"  # open above high
    path = write_csv(tmp_path, "ES.csv", BAR_HEADER, *good)
    assert path.stat().st_size > 2 * BLOCK_BYTES
    plain = _bars(path, skip_bad_rows=True)
    with pytest.raises(DataError) as caught:
        list(read_bars(path))
    found = (caught.value.line, caught.value.column, caught.value.reason)
    report = read_bars(path, skip_bad_rows=True)
    list(report)
    _through_arrow(monkeypatch)
    assert plain == _bars(path, skip_bad_rows=True)
    with pytest.raises(DataError) as again:
        list(read_bars(path))
    assert found == (again.value.line, again.value.column, again.value.reason)
    assert found[:2] == (80_002, "open")
    assert (report.report.bad_rows, report.report.rows) == (1, 99_999)


def test_ticks_without_sizes_read_plain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path, "EURUSD.csv", "ts,bid,ask", "1,1.1,1.2", "2,1.15,1.25")
    plain = [(t.ts_event_ns, t.bid, t.ask, t.bid_size) for t in read_ticks(path, ts_unit="s")]
    _through_arrow(monkeypatch)
    assert plain == [
        (t.ts_event_ns, t.bid, t.ask, t.bid_size) for t in read_ticks(path, ts_unit="s")
    ]
    assert plain == [(1_000_000_000, 1.1, 1.2, 0.0), (2_000_000_000, 1.15, 1.25, 0.0)]


@pytest.mark.skipif(compiled is None, reason="interpreted builds read every block with Arrow")
def test_a_plain_file_is_read_without_loading_pyarrow(tmp_path: Path) -> None:
    path = tmp_path / "ES.csv"
    write_bars_csv(path, synthetic_bars(1_000, seed=1))
    code = (
        "import sys; from tickwire.data import read_bars; "
        f"assert len(list(read_bars({str(path)!r}))) == 1000; "
        "print(sorted(m for m in ('pyarrow', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("parser", PARSERS, ids=lambda m: m.__name__)
def test_many_numbers_of_up_to_19_digits_round_correctly(parser: ModuleType) -> None:
    rng = np.random.default_rng(11)
    values = np.exp(rng.normal(0.0, 8.0, 20_000)) * rng.choice([-1.0, 1.0], 20_000)
    texts = [repr(float(v)) for v in values]  # 17 significant digits, most of them
    texts += [f"{v:.{d}g}" for v, d in zip(values, rng.integers(15, 20, 20_000), strict=True)]
    block = "".join(f"1,{text}\n" for text in texts).encode()
    parsed = parser.parse_block(block, NUMBER, 1)
    assert parsed is not None
    assert np.frombuffer(parsed[3], np.float64).tolist() == [float(t) for t in texts]
