"""`./dev` as people and supervisors use it (issue 17, findings 2 and 10): the command it runs
replaces it, so signalling `./dev run` stops the bot and leaves no orphan; `./dev help` prints
the list of commands and nothing else.

The script runs from a copy of itself beside a `.venv` whose `python` and `sevbot` are this
checkout's and whose install stamp matches, so `./dev` sets nothing up (no pip)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, free_port, wait_healthy

pytestmark = pytest.mark.e2e


@pytest.fixture
def dev(tmp_path: Path) -> Path:
    """A copy of `./dev` beside a ready `.venv` (links to this checkout's)."""
    shutil.copy2(ROOT / "dev", tmp_path / "dev")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    for name in ("python", "sevbot"):
        (venv / name).symlink_to(ROOT / ".venv" / "bin" / name)
    stamp = hashlib.sha256((tmp_path / "pyproject.toml").read_bytes()).hexdigest()
    (tmp_path / ".venv" / ".sevbot-installed").write_text(stamp + "\n")
    return tmp_path / "dev"


def cmdline(pid: int) -> list[str]:
    """The command line of process `pid` ([] once it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:
        return []


def processes_in(folder: Path) -> list[list[str]]:
    """The command lines of live processes working in `folder` (./dev runs in its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd") == str(folder):
                found.append(cmdline(int(entry.name)))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def test_dev_run_becomes_sevbot_and_stops_with_it(dev: Path) -> None:
    """`./dev run`'s own process is `sevbot run` (exec): SIGTERM to it drains and exits 0, and
    no process of it is left."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVBOT_")}
    env |= {"PORT": str(port), "SEVBOT_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    with (dev.parent / "sevbot.log").open("ab") as log:
        process = subprocess.Popen([str(dev), "run"], env=env, stdout=log, stderr=log)
    try:
        wait_healthy(port, process, dev.parent)
        args = cmdline(process.pid)
        assert args[-2].endswith(".venv/bin/sevbot"), args
        assert args[-1] == "run"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert processes_in(dev.parent) == []
    assert (dev.parent / "sevbot.db").exists()  # ./dev ran it in its own folder


def test_dev_help_lists_the_commands_and_nothing_else(dev: Path) -> None:
    """`./dev help` prints the commands (no shell lines); an unknown command exits 2."""
    shown = subprocess.run(
        [str(dev), "help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert shown.returncode == 0
    assert "set -euo" not in shown.stdout
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("One entry point")
    commands = [line.split()[0] for line in lines[1:]]
    assert commands == ["./dev"] * len(lines[1:])
    verbs = {line.split()[1] for line in lines[1:]}
    assert verbs == {"demo", "check", "test", "run", "bench", "help"}
    unknown = subprocess.run(
        [str(dev), "nonsense"], capture_output=True, text=True, timeout=30, check=False
    )
    assert unknown.returncode == 2
    assert "unknown command" in unknown.stderr
