"""Real processes for the transport tests: start a role of ``roles.py``, read its lines
with a timeout, stop or kill it."""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["Child"]

ROLES = Path(__file__).with_name("roles.py")


class Child:
    """One process running a role (or any script); its stdout lines arrive on a queue."""

    def __init__(self, *args: str, script: Path = ROLES) -> None:
        self.args = args
        self.proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # a traceback shows among the lines a test saw
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        with stdout:
            for line in stdout:
                self.lines.put(line.rstrip("\n"))

    def expect(self, prefix: str, timeout: float = 20.0) -> str:
        """The next line starting with ``prefix`` (earlier lines are kept in ``seen``)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"{self.args}: no line {prefix!r} within {timeout} s; saw {self.seen[-5:]}; "
                    f"alive={self.proc.poll() is None}"
                ) from None
            self.seen.append(line)
            if line.startswith(prefix):
                return line

    def drain(self) -> list[str]:
        """The lines that arrived and were not read yet."""
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return self.seen

    def send(self, line: str) -> None:
        """Write a line to its standard input."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self, timeout: float = 10.0) -> int:
        """Close its standard input (every role stops then) and wait."""
        stdin = self.proc.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it had died: nothing to tell it
            stdin.close()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reader.join(timeout)
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.stop()
