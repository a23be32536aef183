"""A running sevbot web server and a real headless Chromium driven by Playwright.

Without Chromium (or Playwright) these tests skip and say why; CI installs Chromium and sets
SEVBOT_REQUIRE_BROWSER=1, which turns a skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.bootstrap import App, build_app
from bot.config import Settings
from bot.settings_model import SecretStr
from tests.fakes import RecordingChat

CHROMIUM = os.environ.get("SEVBOT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("SEVBOT_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SEVBOT_REQUIRE_BROWSER=1 forbids skipping)")
    pytest.skip(reason)


def _check_browser() -> None:
    try:
        import playwright  # noqa: F401 -- only checking that it is installed
    except ImportError:
        _unavailable("browser tests need Playwright: pip install playwright")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        _unavailable(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium (Debian's), no sandbox as root, no background networking."""
    _check_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[App, str]]:
    """The real app (system clock, SQLite) served on a free local port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/b.db",
        web_token=SecretStr("letmein"),
        public_url=f"http://127.0.0.1:{port}",
        port=port,
    )
    app = await build_app(settings, chats=[RecordingChat()])
    runner = web.AppRunner(app.web)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        await app.close()


def artifact(name: str) -> str:
    """Where a screenshot goes (kept after the run for people to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return str(ARTIFACTS / name)
