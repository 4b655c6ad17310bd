"""The seeded synthetic bar generator: deterministic, valid OHLC, optional gaps."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from tickwire.data import BarChunk, parse_interval, synthetic_bars
from tickwire.data._synthetic import SYNTHETIC_CHUNK
from tickwire.events import Bar


def _all(n: int, **options: object) -> BarChunk:
    return BarChunk.concat(list(synthetic_bars(n, **options).chunks()))  # type: ignore[arg-type]


def _same(a: BarChunk, b: BarChunk) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.columns(), b.columns(), strict=True))


def test_same_seed_same_bars_other_seed_other_bars() -> None:
    assert _same(_all(1_000, seed=7), _all(1_000, seed=7))
    assert not np.array_equal(_all(1_000, seed=7).close, _all(1_000, seed=8).close)


def test_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    n = SYNTHETIC_CHUNK + 10
    long = _all(n, seed=3, gap_probability=0.2)
    short = _all(1_000, seed=3, gap_probability=0.2)
    assert _same(short, long.take(slice(0, 1_000)))
    assert len(long) == n


def test_bars_are_valid_ohlcv_and_evenly_spaced() -> None:
    chunk = _all(5_000, seed=1, volatility=0.02, gap_probability=0.3, decimals=2)
    assert bool(np.all(chunk.low <= np.minimum(chunk.open, chunk.close)))
    assert bool(np.all(chunk.high >= np.maximum(chunk.open, chunk.close)))
    assert bool(np.all(chunk.volume >= 0)) and bool(np.all(chunk.volume == np.round(chunk.volume)))
    assert bool(np.all(chunk.close == np.round(chunk.close, 2)))
    assert set(np.diff(chunk.ts).tolist()) == {60 * 10**9}


def test_without_gaps_each_bar_opens_at_the_previous_close() -> None:
    chunk = _all(2_000, seed=2)
    assert np.allclose(chunk.open[1:], chunk.close[:-1], rtol=1e-12, atol=0)
    assert chunk.open[0] == pytest.approx(100.0)


def test_gaps_make_some_opens_differ_from_the_previous_close() -> None:
    chunk = _all(2_000, seed=2, gap_probability=0.25, gap_volatility=0.05)
    gapped = ~np.isclose(chunk.open[1:], chunk.close[:-1], rtol=1e-12, atol=0)
    assert 300 < int(gapped.sum()) < 700


def test_start_interval_and_instrument() -> None:
    bars = list(
        synthetic_bars(
            3,
            instrument="SYN",
            start=datetime(2024, 1, 1, tzinfo=UTC),
            interval="1h",
            start_price=50.0,
        )
    )
    assert all(type(b) is Bar and b.instrument == "SYN" and b.interval == "1h" for b in bars)
    assert [b.ts_event_ns for b in bars] == [
        1_704_067_200 * 10**9 + k * 3_600 * 10**9 for k in range(3)
    ]
    assert bars[0].open == pytest.approx(50.0)


def test_iso_start_and_len() -> None:
    bars = synthetic_bars(2, start="2024-01-01T00:00:00Z", interval="1d")
    assert len(bars) == 2
    assert bars.instruments == ("SYNTH",)
    assert next(iter(bars)).ts_event_ns == 1_704_067_200 * 10**9


def test_large_n_is_lazy() -> None:
    chunks = synthetic_bars(10_000_000, seed=1).chunks()
    first = next(chunks)
    assert len(first) == SYNTHETIC_CHUNK


@pytest.mark.parametrize(
    ("text", "ns"),
    [("500ms", 500_000_000), ("1s", 10**9), ("5m", 300 * 10**9), ("1d", 86_400 * 10**9)],
)
def test_parse_interval(text: str, ns: int) -> None:
    assert parse_interval(text) == ns


@pytest.mark.parametrize("text", ["", "m", "0s", "1y", "1.5m"])
def test_parse_interval_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


@pytest.mark.parametrize(
    "options",
    [{"n": -1}, {"start_price": 0.0}, {"gap_probability": 1.5}, {"volatility": -0.1}],
)
def test_invalid_parameters(options: dict[str, float]) -> None:
    n = int(options.pop("n", 1))
    with pytest.raises(ValueError):
        synthetic_bars(n, **options)  # type: ignore[arg-type]


def test_bars_share_one_instrument_name_object() -> None:
    first, *rest = synthetic_bars(SYNTHETIC_CHUNK + 2, instrument="SYN")
    assert all(bar.instrument is first.instrument for bar in rest)
