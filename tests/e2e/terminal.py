"""A pseudo-terminal around a real `sevbot` process: type keys, wait for text (with a deadline,
never a fixed sleep), read what the screen got with the terminal's escape sequences removed."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.conftest import ROOT

# CSI sequences (cursor moves, colours, modes) and the few two-byte escapes prompt_toolkit sends.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[=>78]")
DEADLINE = 30.0  # seconds: a bound for a loaded machine, not a timing expectation

UP, CTRL_C, CTRL_D, ENTER = "\x1b[A", "\x03", "\x04", "\r"


def plain(raw: str) -> str:
    """What a person reads: escape sequences and carriage returns removed."""
    return _ESCAPES.sub("", raw).replace("\r", "")


class Terminal:
    """`python -m bot ARGS` on a pseudo-terminal (stdin, stdout and stderr), in `cwd`."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str]) -> None:
        controller, child = pty.openpty()
        base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
        # Nobody here answers prompt_toolkit's cursor position requests, as a terminal would.
        base["PROMPT_TOOLKIT_NO_CPR"] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=child,
            stdout=child,
            stderr=child,
            cwd=cwd,
            env=base | env,
            start_new_session=True,  # its own controlling terminal: this one
        )
        os.close(child)
        self._fd = controller
        self._raw = b""
        self._seen = 0  # how much of the plain screen text `expect` has consumed

    @property
    def screen(self) -> str:
        """Everything shown so far, as plain text."""
        return plain(self._raw.decode("utf-8", errors="replace"))

    def type(self, keys: str) -> None:
        """Send keys as a person types them."""
        os.write(self._fd, keys.encode())

    def expect(self, text: str) -> str:
        """Wait until `text` appears after what earlier calls found; return the text between."""
        deadline = time.monotonic() + DEADLINE
        while True:
            found = self.screen.find(text, self._seen)
            if found >= 0:
                between = self.screen[self._seen : found]
                self._seen = found + len(text)
                return between
            if not self._read_until(deadline):
                raise AssertionError(f"never saw {text!r}; the screen:\n{self.screen[-3000:]}")

    def wait_exit(self) -> int:
        """Read until the process ends; its exit status."""
        deadline = time.monotonic() + DEADLINE
        while self._read_until(deadline):  # until the process closes the terminal
            pass
        try:
            return self.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running; the screen:\n{self.screen}") from None

    def _read_until(self, deadline: float) -> bool:
        """Read what is available, waiting at most until `deadline`; False at the end of
        output or past the deadline."""
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([self._fd], [], [], max(remaining, 0))
        if not ready:
            return False
        try:
            chunk = os.read(self._fd, 65536)
        except OSError:  # EIO: the process closed the terminal
            return False
        self._raw += chunk
        return bool(chunk)

    def close(self) -> None:
        """Stop the process if it still runs, and release the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self._fd)
