"""The options commands share: the broker's costs (parsed into broker models) and the
error policy, declared once so that every command spells and explains them alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from tickwire.bus import ErrorPolicy
from tickwire.cli.loading import UsageError
from tickwire.execution import (
    BasisPointSlippage,
    FixedCommission,
    PercentCommission,
    PerUnitCommission,
    TickSlippage,
)

__all__ = ["broker_options", "cost_options", "on_error_option"]

F = TypeVar("F", bound=Callable[..., Any])


def cost_options(command: F) -> F:
    """``--commission`` and ``--slippage``, as :func:`broker_options` reads them."""
    command = click.option(
        "--slippage", default=None, help="bps:5 | ticks:2:0.01 (N ticks of size S)."
    )(command)
    return click.option(
        "--commission", default=None, help="per_unit:0.01 | percent:0.1 | fixed:1.0 (per order)."
    )(command)


def on_error_option(what_stop_does: str) -> Callable[[F], F]:
    """``--on-error stop|continue``; the help says what ``stop`` does for this command."""
    return click.option(
        "--on-error",
        type=click.Choice([p.value for p in ErrorPolicy]),
        default=ErrorPolicy.STOP.value,
        show_default=True,
        help=f"When the strategy raises: {what_stop_does}, or continue past errors.",
    )


_COMMISSIONS = {
    "per_unit": PerUnitCommission,
    "percent": PercentCommission,
    "fixed": FixedCommission,
}


def broker_options(commission: str | None, slippage: str | None) -> dict[str, Any]:
    """``--commission percent:0.1`` / ``--slippage bps:5`` -> SimulatedBroker keywords."""
    options: dict[str, Any] = {}
    if commission:
        kind, values = _split("--commission", commission, 1)
        model = _COMMISSIONS.get(kind)
        if model is None:
            raise UsageError(
                f"--commission {commission!r}: kind must be one of {', '.join(_COMMISSIONS)}"
            )
        if kind == "percent" and values[0] >= 100:
            raise UsageError(f"--commission {commission!r}: a percent must be below 100")
        options["commission"] = _build("--commission", commission, model, values)
    if slippage:
        kind, values = _split("--slippage", slippage, None)
        if kind == "bps" and len(values) == 1 and values[0] >= 10_000:
            raise UsageError(f"--slippage {slippage!r}: basis points must be below 10000 (100%)")
        if kind == "bps" and len(values) == 1:
            options["slippage"] = _build("--slippage", slippage, BasisPointSlippage, values)
        elif kind == "ticks" and len(values) == 2:
            options["slippage"] = _build("--slippage", slippage, TickSlippage, values)
        else:
            raise UsageError(
                f"--slippage {slippage!r}: use bps:N or ticks:N:TICK_SIZE (e.g. ticks:2:0.01)"
            )
    return options


def _split(option: str, text: str, count: int | None) -> tuple[str, list[float]]:
    kind, *raw = text.split(":")
    if count is not None and len(raw) != count:
        raise UsageError(f"{option} {text!r}: expected KIND:VALUE, e.g. percent:0.1")
    try:
        return kind.strip().lower(), [float(value) for value in raw]
    except ValueError:
        raise UsageError(f"{option} {text!r}: values must be numbers") from None


def _build(option: str, text: str, model: Any, values: list[float]) -> Any:
    try:
        return model(*values)
    except ValueError as exc:
        raise UsageError(f"{option} {text!r}: {exc}") from None
