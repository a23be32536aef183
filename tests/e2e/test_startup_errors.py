"""Start-up as an operator meets it (issue 17, finding 1): a setting that cannot work ends
`sevbot run` at once with one line naming it and what would be valid, and a signal, during
start-up or after, ends it without a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, free_port, sevbot, wait_healthy

pytestmark = pytest.mark.e2e


def run_briefly(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`sevbot run` with `env`, which must end by itself (a hang fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PORT": str(free_port())} | env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "needles"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"]),
        ({"SLACK_SIGNING_SECRET": "s"}, ["SLACK_BOT_TOKEN", "xoxb-"]),
    ],
)
def test_slack_half_configured_exits_at_once_in_one_line(
    tmp_path: Path, env: dict[str, str], needles: list[str]
) -> None:
    """A Slack bot token without a way in (or the reverse): exit 1, one line naming the
    settings, no traceback, and no database created."""
    result = run_briefly(env, tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sevbot: ")
    for needle in needles:
        assert needle in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_a_bad_value_exits_with_one_line_naming_the_setting(tmp_path: Path) -> None:
    """SEVBOT_DB_WAIT=soon: exit 2 and one line naming the setting and what is valid."""
    result = run_briefly({"SEVBOT_DB_WAIT": "soon"}, tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2
    assert len(lines) == 1, result.stderr
    assert "SEVBOT_DB_WAIT" in lines[0]
    assert "30m" in lines[0]


def wait_for_line(log: Path, needle: str, process: subprocess.Popen[bytes]) -> None:
    """Until the process's log holds `needle` (fail if it exits first)."""
    deadline = time.monotonic() + 20
    while needle not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_waiting_for_the_database_stops_cleanly(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """SIGINT or SIGTERM while start-up waits for PostgreSQL: exit 0, no traceback."""
    url = f"postgresql://sevbot@127.0.0.1:{free_port()}/sevbot"
    env = {"PORT": str(free_port()), "SEVBOT_DATABASE_URL": url, "SEVBOT_DB_WAIT": "60s"}
    process = sevbot("run", env=env, cwd=tmp_path)
    log = tmp_path / "sevbot.log"
    try:
        wait_for_line(log, "waiting for the database", process)
        process.send_signal(sig)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text
    assert "stopped before start-up finished" in text


def test_sigint_while_running_drains_without_a_traceback(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) to a running `sevbot run`: it drains and exits 0, no traceback."""
    port = free_port()
    env = {"PORT": str(port), "SEVBOT_HOST": "127.0.0.1"}
    process = sevbot("run", env=env, cwd=tmp_path)
    try:
        wait_healthy(port, process, tmp_path)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = (tmp_path / "sevbot.log").read_text(errors="replace")
    assert "Traceback" not in text
    assert "stopped" in text
