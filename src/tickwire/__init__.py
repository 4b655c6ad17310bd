"""tickwire: event-driven algorithmic trading. One strategy; backtest, live or distributed."""

__version__ = "0.1.0"
