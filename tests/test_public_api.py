"""Pins the public API: what users import from tickwire and its layers."""

from __future__ import annotations

import importlib

import tickwire

EXPECTED_TOP_LEVEL = {
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


def test_layers_import_downwards_only() -> None:
    """events imports nothing of tickwire; bus imports only events."""
    import ast
    from pathlib import Path

    root = Path(tickwire.__file__).parent
    allowed = {"events": {"events"}, "bus": {"events", "bus"}}
    for layer, ok in allowed.items():
        for path in (root / layer).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tickwire."):
                    target = (node.module or "").split(".")[1]
                    assert target in ok, f"{path.name} imports tickwire.{target}"
