"""The bundled sample data: two fictional instruments of seeded synthetic daily bars."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from tickwire.data._synthetic import SyntheticBars, synthetic_bars

__all__ = ["SAMPLE_INSTRUMENTS", "sample_bars", "sample_data_paths", "write_sample_data"]

SAMPLE_INSTRUMENTS = ("ACME", "GLOBEX")
"""The instruments in the sample data (fictional names; one CSV file each, named after it)."""

_SEEDS = {"ACME": (11, 100.0), "GLOBEX": (23, 40.0)}
_BARS = 2_000


def sample_bars(instrument: str) -> SyntheticBars:
    """The generator a sample file was written from (so the files can be checked or rebuilt)."""
    seed, price = _SEEDS[instrument]
    return synthetic_bars(
        _BARS,
        seed=seed,
        instrument=instrument,
        start="2018-01-01T00:00:00",
        interval="1d",
        start_price=price,
        volatility=0.015,
        gap_probability=0.05,
        gap_volatility=0.02,
        volume=1_000_000.0,
        decimals=2,
    )


def write_sample_data(directory: str | os.PathLike[str]) -> list[Path]:
    """Write the sample CSV files (ISO timestamps, no instrument column) into ``directory``."""
    from tickwire.data._writers import write_bars_csv  # loads pyarrow: only when writing

    paths = []
    for instrument in SAMPLE_INSTRUMENTS:
        path = Path(directory) / f"{instrument}.csv"
        write_bars_csv(path, sample_bars(instrument), ts_format="iso", include_instrument=False)
        paths.append(path)
    return paths


def sample_data_paths() -> list[Path]:
    """Paths of the bundled sample CSV files, one per instrument (the file stem names it)."""
    folder = resources.files("tickwire.data").joinpath("samples")
    return [Path(str(folder.joinpath(f"{name}.csv"))) for name in SAMPLE_INSTRUMENTS]
