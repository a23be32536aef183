"""A process imports what its configuration and its verb use: the store verbs of the CLI do
not import the web stack or a chat platform, and a Slack-only deployment does not import
discord.py, Socket Mode (over HTTP) or the alerts machinery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB_STACK = ("aiohttp", "jinja2", "markdown_it", "prometheus_client", "bot.web", "bot.http")
PLATFORMS = ("discord", "slack_bolt", "slack_sdk", "adapters.slack", "adapters.discord")


def loaded_after(code: str, tmp_path: Path, **env: str) -> set[str]:
    """The modules loaded at the end of `python -c code` (run from the repository root)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SEVBOT_", "SLACK_"))}
    clean = {k: v for k, v in clean.items() if not k.startswith("DISCORD_")}
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean | {"SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db"} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def among(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The packages of `packages` that `modules` holds (or any module of them)."""
    return [p for p in packages if any(m == p or m.startswith(f"{p}.") for m in modules)]


def test_store_verbs_of_the_cli_import_neither_the_web_stack_nor_a_platform(
    tmp_path: Path,
) -> None:
    """`sevbot migrate` then `sevbot outbox` in one process: no aiohttp, jinja2, metrics,
    web pages, discord.py or Slack SDK are imported."""
    code = (
        "import contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['migrate']) == 0\n"
        "    assert main(['outbox']) == 0\n"
    )
    modules = loaded_after(code, tmp_path)
    assert "bot.cli_store" in modules
    assert among(modules, WEB_STACK + PLATFORMS) == []


def test_a_slack_only_deployment_imports_no_discord_socket_mode_or_alerts(tmp_path: Path) -> None:
    """The app `sevbot run` builds for Slack over HTTP (no alert sources): the Slack adapter
    and the web app are there; discord.py, Socket Mode and `bot.alerts` are not."""
    code = (
        "import asyncio\n"
        "from bot.bootstrap import build_app\n"
        "from bot.config import load_settings\n"
        "async def build():\n"
        "    app = await build_app(load_settings())\n"
        "    assert list(app.chats) == ['slack'] and app.web is not None\n"
        "    await app.close()\n"
        "asyncio.run(build())\n"
    )
    modules = loaded_after(
        code,
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    assert "adapters.slack" in modules
    assert "aiohttp.web" in modules
    assert among(modules, ("discord", "adapters.discord", "bot.alerts")) == []
    assert "slack_bolt.adapter.socket_mode" not in modules
    # The settings are checked without pydantic (about 10 MiB, issue 20): bot/settings_model.py.
    assert among(modules, ("pydantic", "pydantic_core", "pydantic_settings")) == []
