"""``tickwire exchange`` as a real subprocess for the tests: start it, read its URL, kill it."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_CLI = "from tickwire.cli.main import main; main()"


class ExchangeProcess:
    """One ``tickwire exchange`` process; ``url`` is read from its first line of output."""

    def __init__(self, *args: str | Path, timeout: float = 60.0) -> None:
        self.args = [str(a) for a in args]
        self.timeout = timeout
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> ExchangeProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CLI, "exchange", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(self.timeout):
                self.kill()
                raise TimeoutError(f"tickwire exchange printed no URL in {self.timeout} s")
        line = self.process.stdout.readline().strip()
        if not line.startswith("ws://"):
            _, stderr = self.process.communicate(timeout=self.timeout)
            raise RuntimeError(f"tickwire exchange did not start: {line!r} {stderr}")
        self.url = line
        return self

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        self._end(signal.SIGKILL)

    def terminate(self) -> int:
        """SIGTERM; returns the exit code."""
        return self._end(signal.SIGTERM)

    def _end(self, signum: int) -> int:
        process = self.process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signum)
        code = process.wait(self.timeout)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        self.process = None
        return code

    def __enter__(self) -> ExchangeProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.kill()


def run_cli(*args: str | Path, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run ``tickwire exchange ARGS`` to completion (for commands that refuse to start)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", _CLI, "exchange", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert time.monotonic() - started < timeout
    return result
