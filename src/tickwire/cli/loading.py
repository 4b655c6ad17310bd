"""Turning command-line words into objects: parameters (strategies load through
:func:`tickwire.strategy.loading.load_strategy`, which sweep workers share)."""

from __future__ import annotations

from tickwire._exceptions import TickwireError

__all__ = ["UsageError", "parse_params"]


class UsageError(TickwireError):
    """A mistake on the command line; the CLI prints it on one line and exits with 2."""


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``("fast=5", "slow=20")`` -> ``{"fast": "5", "slow": "20"}`` (typed later)."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {pair!r} must look like NAME=VALUE")
        params[name.strip()] = value.strip()
    return params
