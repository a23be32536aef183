"""The deployment files the README's "Deploying" describes (issue 17, finding 6): the
Procfile's web process and the systemd unit `deploy/sevbot.service`, which
`systemd-analyze verify` accepts without a warning where that tool is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli import _parser
from tests.e2e.conftest import ROOT
from tests.e2e.test_readme_commands import subcommands

UNIT = ROOT / "deploy" / "sevbot.service"
INSTALLED = "/opt/sevbot/bin/sevbot"  # where the unit expects the virtualenv


def test_the_procfile_runs_a_sevbot_command() -> None:
    """The Procfile has one `web` process, `sevbot run` (a command this CLI has)."""
    [line] = (ROOT / "Procfile").read_text().splitlines()
    kind, _, command = line.partition(": ")
    assert kind == "web"
    assert command.split() == ["sevbot", "run"]
    assert "run" in subcommands(_parser())


def test_the_unit_runs_sevbot_in_its_state_directory() -> None:
    """ExecStart is `sevbot run`; the SQLite file is in the StateDirectory it works in."""
    lines = UNIT.read_text().splitlines()
    assert f"ExecStart={INSTALLED} run" in lines
    assert "StateDirectory=sevbot" in lines
    assert "WorkingDirectory=/var/lib/sevbot" in lines
    assert "Environment=SEVBOT_DATABASE_URL=sqlite:////var/lib/sevbot/sevbot.db" in lines


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    """`systemd-analyze verify` passes the unit (with ExecStart pointed at this checkout's
    `sevbot`, since it checks that the program exists) and prints nothing."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    sevbot = ROOT / ".venv" / "bin" / "sevbot"
    if not sevbot.exists():
        sevbot = Path(shutil.which("sevbot") or "/nonexistent")
    unit = tmp_path / "sevbot.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED, str(sevbot)))
    result = subprocess.run(
        [tool, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
