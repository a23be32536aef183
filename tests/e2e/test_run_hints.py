"""`sevbot run` with no chat platform, as a newcomer starts it: it says how to talk to it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port, sevbot, wait_healthy

pytestmark = pytest.mark.e2e


def test_run_without_a_platform_says_how_to_talk_to_it(tmp_path: Path) -> None:
    """Healthy, and its log names the console, the command API (off, and how to turn it on)
    and a scenario file; SIGTERM ends it with 0."""
    port = free_port()
    env = {
        "PORT": str(port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
    }
    process = sevbot("run", env=env, cwd=tmp_path)
    try:
        wait_healthy(port, process, tmp_path)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    log = (tmp_path / "sevbot.log").read_text(encoding="utf-8")
    assert "`sevbot console` types /incident commands on the same store" in log
    assert "set SEVBOT_API_TOKEN (the command API is off), restart" in log
    assert f"http://127.0.0.1:{port}/api/commands" in log
    assert "`sevbot simulate FILE` plays a scenario file" in log
