"""The data of a sweep: described by a small record that travels to workers, loaded once
per worker process and kept there as columnar chunks for every grid point it runs."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from tickwire._exceptions import ConfigError
from tickwire.data import BarChunk, SyntheticBars

__all__ = ["DataSpec", "Window", "load_chunks", "window_chunks"]


class Window(msgspec.Struct, frozen=True, array_like=True):
    """Bars with ``start_ns <= ts_event_ns < end_ns``."""

    start_ns: int
    end_ns: int


class DataSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Where the bars come from: files every worker can read, or seeded synthetic bars."""

    paths: tuple[str, ...] = ()
    """CSV/Parquet files (absolute paths: workers may run in other folders)."""
    instrument: str | None = None
    skip_bad_rows: bool = False
    synthetic: dict[str, Any] | None = None
    """Keyword arguments of :class:`~tickwire.data.SyntheticBars` (instead of files)."""

    @classmethod
    def of(
        cls, data: Any, *, instrument: str | None = None, skip_bad_rows: bool = False
    ) -> DataSpec:
        """The spec for what a user passes as ``data``: path(s) or :func:`synthetic_bars`."""
        if isinstance(data, SyntheticBars):
            return cls(synthetic=_synthetic_arguments(data))
        paths: Sequence[Any] = [data] if isinstance(data, (str, os.PathLike)) else data
        if (
            not isinstance(paths, Sequence)
            or not paths
            or not all(isinstance(p, (str, os.PathLike)) for p in paths)
        ):
            raise ConfigError(
                "sweep data: give CSV/Parquet path(s) or synthetic_bars(...); workers load "
                "the data themselves, so an in-memory list of bars cannot be shipped to them"
            )
        resolved = tuple(str(Path(p).resolve()) for p in paths)
        for path in resolved:
            if not Path(path).is_file():
                raise ConfigError(f"sweep data: file not found: {path}")
        return cls(paths=resolved, instrument=instrument, skip_bad_rows=skip_bad_rows)


def _synthetic_arguments(bars: SyntheticBars) -> dict[str, Any]:
    return {
        "n": bars.n,
        "seed": bars.seed,
        "instrument": bars.instrument,
        "start": bars.start_ns,
        "interval": bars.interval,
        "start_price": bars.start_price,
        "volatility": bars.volatility,
        "gap_probability": bars.gap_probability,
        "gap_volatility": bars.gap_volatility,
        "volume": bars.volume,
        "decimals": bars.decimals,
    }


_loaded: dict[bytes, list[BarChunk]] = {}
_loading = threading.Lock()


def load_chunks(spec: DataSpec) -> list[BarChunk]:
    """The bars of ``spec`` as chunks, read once per process and then kept (a worker runs
    many grid points on the same data; dask may run several tasks on threads at once)."""
    key = msgspec.msgpack.encode(spec)
    with _loading:
        chunks = _loaded.get(key)
        if chunks is None:
            chunks = _loaded[key] = list(_read(spec))
    return chunks


def _read(spec: DataSpec) -> Iterable[BarChunk]:
    if spec.synthetic is not None:
        return SyntheticBars(**spec.synthetic).chunks()
    from tickwire.data import read_bars

    return read_bars(
        list(spec.paths), instrument=spec.instrument, skip_bad_rows=spec.skip_bad_rows
    ).chunks()


def window_chunks(chunks: list[BarChunk], window: Window | None) -> Iterator[BarChunk]:
    """The rows of ``chunks`` inside ``window`` (all of them for None), still chunked."""
    if window is None:
        yield from chunks
        return
    for chunk in chunks:
        if not len(chunk) or chunk.ts[-1] < window.start_ns or chunk.ts[0] >= window.end_ns:
            continue
        first = int(np.searchsorted(chunk.ts, window.start_ns, "left"))
        last = int(np.searchsorted(chunk.ts, window.end_ns, "left"))
        yield chunk if first == 0 and last == len(chunk) else chunk.take(slice(first, last))
