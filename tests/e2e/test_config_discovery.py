"""Which configuration is in use, as an operator finds out (issue 17, finding 4): `sevbot run`
reads `SEVBOT_CONFIG`, else `./sevbot.toml`, else none, and says which with a one-line summary;
`sevbot config check [FILE]` validates a file and prints the settings in effect, secrets
masked, or one line naming what is wrong."""

from __future__ import annotations

import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, free_port, sevbot, wait_healthy

pytestmark = pytest.mark.e2e

ROTATION = """
public_url = "https://sevbot.example.com"

[[rotation]]
name = "maintainers"
members = ["slack:U01ALICE", "slack:U02BOB"]
start = 2026-01-05
feed_token = "calendar-secret-123"
"""


def start_up_lines(cwd: Path, env: dict[str, str]) -> list[str]:
    """The log lines of a `sevbot run` in `cwd` up to healthy, then stopped with SIGTERM."""
    port = free_port()
    process = sevbot("run", env=env | {"PORT": str(port), "SEVBOT_HOST": "127.0.0.1"}, cwd=cwd)
    try:
        wait_healthy(port, process, cwd)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return (cwd / "sevbot.log").read_text(errors="replace").splitlines()


def test_run_reads_the_sevbot_toml_in_its_folder_and_says_so(tmp_path: Path) -> None:
    """With ./sevbot.toml and no SEVBOT_CONFIG, run reads it and logs its path and a summary:
    platforms, store, rotations and public URL."""
    (tmp_path / "sevbot.toml").write_text(ROTATION)
    lines = start_up_lines(tmp_path, {})
    [said] = [line for line in lines if "configuration: " in line]
    assert f"configuration: {tmp_path / 'sevbot.toml'} (./sevbot.toml" in said
    [summary] = [line for line in lines if "rotations: " in line]
    assert "platforms: none" in summary
    assert f"store: SQLite file {tmp_path / 'sevbot.db'}" in summary
    assert "rotations: 1 (maintainers)" in summary
    assert "public URL: https://sevbot.example.com" in summary


def test_sevbot_config_wins_and_none_is_said(tmp_path: Path) -> None:
    """SEVBOT_CONFIG names the file even when ./sevbot.toml exists; with neither, run says it
    uses no configuration file."""
    named = tmp_path / "named"
    named.mkdir()
    (named / "elsewhere.toml").write_text('public_url = "https://named.example.com"\n')
    (named / "sevbot.toml").write_text('public_url = "https://local.example.com"\n')
    lines = start_up_lines(named, {"SEVBOT_CONFIG": str(named / "elsewhere.toml")})
    assert any(f"configuration: {named / 'elsewhere.toml'} (SEVBOT_CONFIG)" in x for x in lines)
    assert any("public URL: https://named.example.com" in line for line in lines)
    bare = tmp_path / "bare"
    bare.mkdir()
    lines = start_up_lines(bare, {})
    assert any("configuration: none (no SEVBOT_CONFIG, no ./sevbot.toml)" in x for x in lines)


def config_check(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`sevbot config check ARGS` in `cwd`."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "config", "check", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)} | (env or {}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_config_check_prints_the_effective_settings_with_secrets_masked(tmp_path: Path) -> None:
    """A valid file: exit 0, the settings as TOML (file, environment and defaults), every
    secret masked, the database password too."""
    (tmp_path / "team.toml").write_text(ROTATION)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-very-secret",
        "SLACK_SIGNING_SECRET": "signing-very-secret",
        "SEVBOT_DATABASE_URL": "postgresql://sevbot:db-very-secret@db:5432/sevbot",
    }
    result = config_check("team.toml", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    for secret in ("xoxb-very", "signing-very", "db-very", "calendar-secret"):
        assert secret not in result.stdout
    settings = tomllib.loads(result.stdout)
    assert settings["slack_bot_token"] == "********"
    assert settings["database_url"] == "postgresql://sevbot:********@db:5432/sevbot"
    assert settings["rotation"][0]["name"] == "maintainers"
    assert settings["policy"]["response_targets"]["sev1"] == "1h"
    assert result.stdout.startswith(f"# configuration: {tmp_path / 'team.toml'}")
    assert "rotations: 1 (maintainers)" in result.stdout


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('status_intervall = "5m"\n', ["`status_intervall` is not a setting", "status_interval"]),
        ('status_interval = "soon"\n', ["SEVBOT_STATUS_INTERVAL", "status_interval", "30m"]),
        ("[policy]\nwarning_fraction = 2\n", ["policy.warning_fraction", "less than 1"]),
        ("status_interval = \n", ["not valid TOML", "line 1"]),
    ],
)
def test_config_check_names_what_is_wrong_in_one_line(
    tmp_path: Path, text: str, needles: list[str]
) -> None:
    """A misspelt key, a bad value, a bad value in a table, broken TOML: exit 1, one line."""
    (tmp_path / "sevbot.toml").write_text(text)
    result = config_check(cwd=tmp_path)  # the file of the working folder, found by itself
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_the_example_configuration_checks(tmp_path: Path) -> None:
    """`sevbot config check sevbot.example.toml` passes: the shipped example is valid."""
    result = config_check(str(ROOT / "sevbot.example.toml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "configuration: " in result.stdout
