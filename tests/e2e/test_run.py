"""`sevbot run` as a process: health, the command API, bad settings, and SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.conftest import ROOT, free_port, http, sevbot, transcript, wait_healthy


def test_run_serves_commands_and_drains_on_sigterm(tmp_path: Path) -> None:
    """Healthy, an API command opens an incident and its messages reach the chat; SIGTERM → 0."""
    port = free_port()
    chat = tmp_path / "chat.jsonl"
    process = sevbot(
        "run",
        env={
            "PORT": str(port),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
            "SEVBOT_API_TOKEN": "s3cret",
            "SEVBOT_TRANSCRIPT_FILE": str(chat),
        },
        cwd=tmp_path,
    )
    try:
        wait_healthy(port, process, tmp_path)
        url = f"http://127.0.0.1:{port}/api/commands"
        assert http("POST", url, {"text": "open sev2 Disk full"}, token="wrong")[0] == 401
        status, body = http("POST", url, {"text": "open sev9 x"}, token="s3cret")
        assert status == 422
        assert "Unknown severity" in body["reply"]
        status, body = http(
            "POST", url, {"text": "open sev2 Disk full on db-3", "actor": "alerts"}, token="s3cret"
        )
        assert (status, body["incident"]) == (200, 1)
        deadline = time.monotonic() + 10
        while len(transcript(chat)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        kinds = [record["kind"] for record in transcript(chat)]
        assert kinds[:2] == ["summary", "announcement"]
        for name, kind in (("countdown.js", "application/javascript"), ("sevbot.css", "text/css")):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/{name}") as response:
                assert response.headers.get_content_type() == kind
        # Lighter (issue 20): frozenlist in pure Python, so libstdc++ is not loaded for it.
        maps = Path(f"/proc/{process.pid}/maps")
        if maps.exists():
            assert "_frozenlist" not in maps.read_text()
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 6
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_bad_setting_stops_start_up_with_a_clear_message(tmp_path: Path) -> None:
    """SEVBOT_STATUS_INTERVAL=soon → exit 2 naming the setting and what is valid."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SEVBOT_STATUS_INTERVAL": "soon"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "SEVBOT_STATUS_INTERVAL" in result.stderr
    assert "30m" in result.stderr
