"""What a backtest returns: fills, orders, trades, the equity curve and statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tickwire.events import Fill, OrderUpdate

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

    from tickwire.portfolio import Portfolio

__all__ = ["BacktestResult"]


@dataclass
class BacktestResult:
    """The outcome of one run, as plain Python objects and as pandas DataFrames."""

    strategy: str
    parameters: dict[str, Any]
    initial_cash: float
    portfolio: Portfolio = field(repr=False)
    fills: list[Fill]
    orders: list[OrderUpdate]
    """Each order's latest lifecycle event (filled, cancelled, rejected...)."""
    bars: int
    events: int
    wall_time_s: float
    statistics: dict[str, Any]
    errors: list[Any] = field(default_factory=list)

    @property
    def trades(self) -> list[Any]:
        """Round-trip trades (entry to exit) built from the fills."""
        return self.portfolio.trades

    @property
    def final_equity(self) -> float:
        return self.portfolio.equity

    @property
    def bars_per_second(self) -> float:
        return self.bars / self.wall_time_s if self.wall_time_s > 0 else 0.0

    def equity_df(self) -> pd.DataFrame:
        """The equity curve: one row per bar time, indexed by UTC timestamp."""
        from tickwire.portfolio import equity_frame

        return equity_frame(self.portfolio.curve)

    def fills_df(self) -> pd.DataFrame:
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        return pd.DataFrame(
            {
                "ts": pd.to_datetime([f.ts_event_ns for f in self.fills], unit="ns", utc=True),
                "instrument": [f.instrument for f in self.fills],
                "side": [str(f.side) for f in self.fills],
                "quantity": [f.quantity for f in self.fills],
                "price": [f.price for f in self.fills],
                "commission": [f.commission for f in self.fills],
                "order_id": [f.order_id for f in self.fills],
            }
        )

    def orders_df(self) -> pd.DataFrame:
        import pandas as pd  # type: ignore[import-untyped, unused-ignore]

        return pd.DataFrame(
            {
                "ts": pd.to_datetime([o.ts_event_ns for o in self.orders], unit="ns", utc=True),
                "order_id": [o.order_id for o in self.orders],
                "instrument": [o.instrument for o in self.orders],
                "status": [str(o.status) for o in self.orders],
                "reason": [getattr(o, "reason", "") for o in self.orders],
            }
        )

    def trades_df(self) -> pd.DataFrame:
        from tickwire.portfolio import trades_frame

        return trades_frame(self.trades)

    def summary(self) -> dict[str, Any]:
        """The headline figures as one flat dict (what the CLI prints)."""
        stats = self.statistics
        return {
            "strategy": self.strategy,
            "bars": self.bars,
            "events": self.events,
            "orders": len(self.orders),
            "fills": len(self.fills),
            "trades": len(self.trades),
            "final_equity": self.final_equity,
            "total_return": stats.get("total_return"),
            "sharpe": stats.get("sharpe"),
            "max_drawdown": stats.get("max_drawdown"),
            "win_rate": stats.get("win_rate"),
            "wall_time_s": self.wall_time_s,
            "bars_per_second": self.bars_per_second,
        }
