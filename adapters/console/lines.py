"""Where `sevbot console` reads its lines: a terminal (prompt_toolkit), or a pipe or file.

In a terminal, prompt_toolkit gives line editing, history (Up arrow, kept in a file under the
user's state folder) and prints what arrives meanwhile above the prompt (`patch_stdout`).
Ctrl-C clears the line, Ctrl-D ends the session. Anywhere else (tests, `cat cmds | sevbot
console`) lines are read one by one until the end of the input.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout


class LineSource(Protocol):
    """Where the console's next line comes from."""

    async def read(self, prompt: str) -> str | None:
        """The next line typed after showing `prompt`; None at the end of the input."""
        ...


def state_dir() -> Path:
    """The user's state folder for sevbot: `$XDG_STATE_HOME/sevbot`, by default
    `~/.local/state/sevbot` (the XDG Base Directory specification's place for history and
    logs)."""
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "sevbot"


def is_terminal(stdin: TextIO, out: TextIO) -> bool:
    """Whether the console talks to a person at a terminal (both ends are one)."""
    try:
        return stdin.isatty() and out.isatty()
    except ValueError:  # a closed stream
        return False


class TerminalLines:
    """Lines typed at a terminal, with editing and history; Ctrl-C clears the line."""

    def __init__(self, history_file: Path | None) -> None:
        self.history_file = history_file if history_file and _writable(history_file) else None
        history: History = (
            FileHistory(str(self.history_file)) if self.history_file else InMemoryHistory()
        )
        self._session: PromptSession[str] = PromptSession(history=history)

    async def read(self, prompt: str) -> str | None:
        """The next line; Ctrl-C drops what was typed and asks again; Ctrl-D is the end."""
        while True:
            try:
                return await self._session.prompt_async(prompt)
            except KeyboardInterrupt:
                continue
            except EOFError:
                return None


def _writable(path: Path) -> bool:
    """Whether the history file can be kept (its folder made, the file opened to append)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            return True
    except OSError:
        return False


class PipedLines:
    """Lines from a pipe or a file, read on a daemon thread: an interrupted console never waits
    at exit for input that may not come."""

    def __init__(self, stdin: TextIO, out: TextIO) -> None:
        self._stdin = stdin
        self._out = out
        self._queue: asyncio.Queue[str] | None = None

    async def read(self, prompt: str) -> str | None:
        """The next line ('' for an empty one); None at the end of the input."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            reader = threading.Thread(
                target=self._pump,
                args=(asyncio.get_running_loop(), self._queue),
                name="console-input",
                daemon=True,
            )
            reader.start()
        if _isatty(self._stdin):  # typed at a terminal, printed elsewhere: still prompt
            print(prompt, end="", file=self._out, flush=True)
        line = await self._queue.get()
        return line.rstrip("\r\n") if line else None

    def _pump(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str]) -> None:
        while True:
            try:
                line = self._stdin.readline()
            except (OSError, ValueError):  # closed or unreadable: the end of the input
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is gone: the console has ended
                return
            if not line:
                return


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:
        return False


@contextlib.contextmanager
def terminal_session() -> Iterator[TextIO]:
    """Standard output for a terminal session: what is printed while the prompt is shown
    appears above it. Ctrl-C outside the prompt (while a command runs) is ignored rather than
    ending the console with a traceback; at the prompt it is a key that clears the line."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with patch_stdout():
            yield sys.stdout
    finally:
        signal.signal(signal.SIGINT, previous)
