"""The ``tickwire`` command line."""

from tickwire.cli.main import main

__all__ = ["main"]
