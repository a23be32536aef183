"""`sevbot console` as a person uses it: at a terminal (a pseudo-terminal: editing, history,
Ctrl-C, Ctrl-D) and with piped input (scripts and tests), a real process each time."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.terminal import CTRL_C, CTRL_D, ENTER, UP, Terminal

pytestmark = pytest.mark.e2e


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    """`sevbot console --as sam` at a terminal, its state folder and store under tmp_path."""
    env = {"HOME": str(tmp_path / "home"), "XDG_STATE_HOME": str(tmp_path / "state")}
    console = Terminal("console", "--as", "sam", cwd=tmp_path, env=env)
    try:
        yield console
    finally:
        console.close()


def test_a_command_gets_its_answer_and_up_recalls_it(terminal: Terminal, tmp_path: Path) -> None:
    """A typed command is answered; the Up arrow brings it back (history, kept in the state
    folder); the banner names the store; log lines stay out of the transcript."""
    banner = terminal.expect("names one.")
    assert f"Store: SQLite file {tmp_path / 'sevbot.db'}" in banner
    assert f"Log lines go to {tmp_path / 'state' / 'sevbot' / 'console.log'}" in banner
    terminal.expect("#general>")
    terminal.type("/incident open sev2 Search is slow" + ENTER)
    terminal.expect("Opening incident #1")
    terminal.expect("#inc-1-search-is-slow>")
    terminal.type(UP + ENTER)
    terminal.expect("Opening incident #2")
    history = (tmp_path / "state" / "sevbot" / "console-history").read_text(encoding="utf-8")
    assert "/incident open sev2 Search is slow" in history
    assert " WARNING " not in terminal.screen
    assert " INFO " not in terminal.screen


def test_ctrl_c_clears_the_line_and_ctrl_d_leaves(terminal: Terminal) -> None:
    """Ctrl-C drops the half-typed line and the console goes on (no traceback); Ctrl-D ends
    it with exit status 0."""
    terminal.expect("names one.")
    terminal.expect("#general>")
    terminal.type("/incident ack and some words")
    terminal.expect("some words")
    terminal.type(CTRL_C)
    terminal.expect("some words")  # the dropped line, shown once more as it is left
    terminal.expect("#general>")  # a fresh, empty prompt
    terminal.type("/incident list" + ENTER)
    terminal.expect("(only you)")
    answer = terminal.expect("#general>")
    assert "open incidents" in answer.lower()
    assert "takes no text" not in terminal.screen  # the dropped line never ran
    assert terminal.process.poll() is None
    terminal.type(CTRL_D)
    assert terminal.wait_exit() == 0
    assert "Traceback" not in terminal.screen


def console(tmp_path: Path, *lines: str) -> subprocess.CompletedProcess[str]:
    """`sevbot console --as sam` fed `lines` through a pipe, in tmp_path."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--as", "sam"],
        input="".join(line + "\n" for line in lines),
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_piped_lines_run_one_by_one(tmp_path: Path) -> None:
    """Without a terminal, lines run one by one until the end of input (exit 0): the review
    draft is written where the banner says, `/oncall` without rotations says how to add one,
    an error suggests its own command."""
    result = console(
        tmp_path,
        "/incident open sev1 Checkout is failing",
        "/incident sev sev7",
        "/incident review",
        "/oncall",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Store: SQLite file {tmp_path / 'sevbot.db'}" in out
    assert f"Review drafts the bot posts are written to {tmp_path}." in out
    assert "e.g. `/incident sev sev2`" in out
    assert "it is posted as incident-1-review.md" in out
    review = tmp_path / "incident-1-review.md"
    assert f"saved as {review}" in out
    assert review.read_text(encoding="utf-8").startswith("#")
    assert "[[rotation]]" in out
    assert "Unknown command `/oncall`" not in out
    assert not [line for line in out.splitlines() if " WARNING " in line or " INFO " in line]
    assert "Traceback" not in result.stderr
