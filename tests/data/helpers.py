"""Shared helpers for the data-layer tests: tiny CSV files written from literal text."""

from __future__ import annotations

from pathlib import Path

__all__ = ["BAR_HEADER", "write_csv"]

BAR_HEADER = "ts,open,high,low,close,volume"


def write_csv(folder: Path, name: str, *lines: str) -> Path:
    """Write ``lines`` (a header plus rows) to ``folder/name`` and return the path."""
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
