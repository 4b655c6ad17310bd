"""The public names of tickwire.data, pinned so that changes are deliberate."""

from __future__ import annotations

import tickwire.data


def test_public_names() -> None:
    assert sorted(tickwire.data.__all__) == [
        "BadRow",
        "BarChunk",
        "BarSource",
        "DataError",
        "DataReport",
        "MAX_BAD_SAMPLES",
        "SAMPLE_INSTRUMENTS",
        "SyntheticBars",
        "TickChunk",
        "TickSource",
        "bars_from_chunks",
        "parse_interval",
        "read_bars",
        "read_ticks",
        "sample_data_paths",
        "synthetic_bars",
        "ticks_from_chunks",
        "write_bars_csv",
        "write_bars_parquet",
    ]
    assert all(hasattr(tickwire.data, name) for name in tickwire.data.__all__)
