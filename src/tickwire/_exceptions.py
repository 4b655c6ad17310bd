"""Every error tickwire raises on purpose, in one tree.

::

    TickwireError                     the root: catch it to catch anything tickwire reports
    ├── ConfigError (ValueError)      an option, parameter or setting that cannot be used
    │   └── StrategyError             a strategy misconfigured, or used before it is attached
    ├── DataError (ValueError)        market data that cannot be used (file, line and column)
    ├── DecodeError (ValueError)      bytes that are not a valid event (names the bad field)
    ├── StoreError (RuntimeError)     the event store cannot do what was asked
    │   └── RunNotFound (KeyError)    no recorded run has that id
    ├── BusError (RuntimeError)       the bus refused a delivery that could never complete
    ├── TransportError (RuntimeError) a request over a socket got no answer (tickwire.transport)
    │   ├── RequestTimeout            every try of a request timed out (the lazy pirate gave up)
    │   └── CircuitOpenError          the circuit breaker refused to send the request
    └── StaleBuildError (ImportError) compiled modules older than their sources (at import)

Each subclasses the builtin that callers caught before the tree existed, so ``except
ValueError`` around a data read keeps working. The command line maps the tree to exit
codes: every ``TickwireError`` is a problem the user can act on (exit 2, one line);
anything else is a bug in tickwire or in user code (exit 1, with the traceback).
"""

from __future__ import annotations

from typing import Protocol

__all__ = [
    "BusError",
    "CircuitOpenError",
    "ConfigError",
    "DataError",
    "DecodeError",
    "RequestTimeout",
    "RunNotFound",
    "StaleBuildError",
    "StoreError",
    "StrategyError",
    "TickwireError",
    "TransportError",
]


class TickwireError(Exception):
    """The root of every error tickwire raises on purpose."""


class ConfigError(TickwireError, ValueError):
    """An option, parameter or setting that cannot be used; the message names it."""


class StrategyError(ConfigError):
    """A strategy was misconfigured (an unknown parameter, a wrong type) or used before
    it was attached to a bus and an account."""


class _Located(Protocol):
    """Where bad data is: what :class:`DataError` is built from (``tickwire.data.BadRow``)."""

    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> str | None: ...
    @property
    def reason(self) -> str: ...


class DataError(TickwireError, ValueError):
    """Market data that cannot be used as-is; the message names file, line and column."""

    def __init__(self, bad: _Located) -> None:
        super().__init__(str(bad))
        self.bad_row = bad
        self.path = bad.path
        self.line = bad.line
        self.column = bad.column
        self.reason = bad.reason


class DecodeError(TickwireError, ValueError):
    """Bytes that are not a valid tickwire event; the message names the bad field."""


class StoreError(TickwireError, RuntimeError):
    """The event store cannot do what was asked; the message names the run, row or setting."""


class RunNotFound(StoreError, KeyError):
    """No recorded run has the id asked for."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class BusError(TickwireError, RuntimeError):
    """The bus refused a delivery that could never complete (for example a handler that
    would wait for its own queue)."""


class TransportError(TickwireError, RuntimeError):
    """A request sent over a socket got no usable answer; the message names the endpoint."""


class RequestTimeout(TransportError):
    """No reply came to any try of a request (each try on a fresh socket)."""


class CircuitOpenError(TransportError):
    """The circuit breaker is open after repeated failures: the request was not sent."""


class StaleBuildError(TickwireError, ImportError):
    """``import tickwire`` refused: a compiled module was built from an older version of its
    source, so the code that would run is not the code on disk. The message names the
    module and the command that rebuilds (``tickwire._build``)."""
