"""Strategy names in a node: unique, so that each strategy's order ids are its own."""

from __future__ import annotations

from collections.abc import Sequence

from tickwire._exceptions import ConfigError
from tickwire.strategy import Strategy

__all__ = ["name_strategies"]


def name_strategies(strategies: Sequence[Strategy]) -> None:
    """Rename the second and later instances sharing a name ``Name.2``, ``Name.3``...

    Strategies route fills and order updates by the prefix ``name-`` of the order ids, so
    no name may be the start of another's ids either (``A`` and ``A-x``): ConfigError.
    """
    if not strategies:
        raise ConfigError("a node needs at least one strategy")
    seen: set[int] = set()
    taken: set[str] = set()
    for strategy in strategies:
        if not isinstance(strategy, Strategy):
            raise ConfigError(f"a node runs Strategy instances, got {strategy!r}")
        if id(strategy) in seen:
            raise ConfigError(f"strategy {strategy.strategy_name!r} was added twice")
        seen.add(id(strategy))
        name = strategy.strategy_name
        if name in taken:
            number = 2
            while f"{name}.{number}" in taken:
                number += 1
            strategy.rename(f"{name}.{number}")
        taken.add(strategy.strategy_name)
    for first in taken:
        for second in taken:
            if first != second and f"{second}-".startswith(f"{first}-"):
                raise ConfigError(
                    f"strategy names {first!r} and {second!r} clash: the order ids of "
                    f"{second!r} would start with {first + '-'!r}; rename one"
                )
