"""Pins the public API: what users import from tickwire and its layers."""

from __future__ import annotations

import importlib

import tickwire

EXPECTED_TOP_LEVEL = {
    "Backtest",
    "BacktestResult",
    "BusError",
    "ConfigError",
    "DataError",
    "DecodeError",
    "RunNotFound",
    "StoreError",
    "Strategy",
    "StrategyError",
    "TickwireError",
    "Bar",
    "BarEvent",
    "CancelOrder",
    "ChainHandler",
    "ErrorEvent",
    "Event",
    "EventBase",
    "EventBus",
    "EventEngine",
    "EventListener",
    "EventManager",
    "EventType",
    "Fill",
    "FilterHandler",
    "Heartbeat",
    "InfoEvent",
    "LifecycleEvent",
    "OrderAccepted",
    "OrderCancelled",
    "OrderFilled",
    "OrderPartiallyFilled",
    "OrderRejected",
    "OrderSubmitted",
    "OrderType",
    "Overflow",
    "PositionChanged",
    "Side",
    "Signal",
    "SignalEvent",
    "SubmitOrder",
    "ThreadedSubscriber",
    "Tick",
    "TickEvent",
    "TimeInForce",
    "Trade",
    "WebSocketEmitter",
    "WebSocketHandler",
    "__version__",
    "create_bar_event",
    "create_signal_event",
}


def test_top_level_exports_are_pinned() -> None:
    assert set(tickwire.__all__) == EXPECTED_TOP_LEVEL
    for name in tickwire.__all__:
        assert hasattr(tickwire, name), name


def test_every_public_module_lists_what_exists() -> None:
    for module_name in ("tickwire.events", "tickwire.bus", "tickwire.live"):
        module = importlib.import_module(module_name)
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"


def _imports(layer: str) -> set[tuple[str, str]]:
    """(file name, imported tickwire package) for every module of ``layer``."""
    import ast
    from pathlib import Path

    found = set()
    for path in (Path(tickwire.__file__).parent / layer).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tickwire."):
                found.add((path.name, (node.module or "").split(".")[1]))
    return found


def test_layers_import_downwards_only() -> None:
    """Imports run down the data flow; the strategy reaches the broker only by events."""
    allowed = {
        "events": {"events"},
        "clock": {"events", "clock"},
        "bus": {"events", "bus"},
        "data": {"events", "data"},
        "strategy": {"events", "strategy"},
        "execution": {"events", "execution"},
        "portfolio": {"events", "portfolio"},
        "persistence": {"events", "persistence"},
        # The edge (docs/architecture.md): the report of a backtest reads its result,
        # settings and data; its own input (ReportInput) stays typed.
        "report": {"events", "report", "portfolio", "strategy", "data", "backtest"}
        | {"persistence", "sweep"},
    }
    foundation = {"_floats", "_exceptions", "_types"}  # below every layer
    for layer, ok in allowed.items():
        for name, target in _imports(layer):
            assert target in ok | foundation, f"{layer}/{name} imports tickwire.{target}"
    for layer in ("backtest", "live", "sweep", "node", "exchange", "transport"):
        for name, target in _imports(layer):
            assert target not in ("cli", "report"), f"{layer}/{name} imports tickwire.{target}"
    # The venue and the transport sit beside the node, below it: they never reach up.
    for layer in ("exchange", "transport", "live"):
        for name, target in _imports(layer):
            assert target not in ("node", "backtest", "sweep"), f"{layer}/{name} -> {target}"
