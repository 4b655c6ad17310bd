"""Shared pieces of the exchange tests: data files and an in-process exchange."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tickwire.data import sample_data_paths
from tickwire.exchange import Exchange, load_market_data

START = datetime(2024, 1, 1, tzinfo=UTC)


def run(main: Callable[[], Awaitable[Any]], timeout: float = 60.0) -> Any:
    return asyncio.run(asyncio.wait_for(main(), timeout))


def sample_exchange(**options: Any) -> Exchange:
    """An exchange on the bundled sample data (ACME and GLOBEX, 2,000 daily bars each)."""
    options.setdefault("speed", 0.0)
    return Exchange(load_market_data(sample_data_paths()), **options)


def write_bars(path: Path, closes: list[float], instrument: str = "") -> Path:
    """Daily bars from 2024-01-01 whose open is the previous close."""
    lines = ["ts,open,high,low,close,volume" + (",instrument" if instrument else "")]
    previous = closes[0]
    for day, close in enumerate(closes):
        low, high = min(previous, close) - 1, max(previous, close) + 1
        ts = (START + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = f"{ts},{previous},{high},{low},{close},1000"
        lines.append(row + (f",{instrument}" if instrument else ""))
        previous = close
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def bars_file(tmp_path: Path) -> Path:
    return write_bars(tmp_path / "ACME.csv", [100.0 + n for n in range(20)])
