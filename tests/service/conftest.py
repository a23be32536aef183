"""An application wired by the real composition root on SQLite, a fake clock and a fake chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from incidents.model import OnCall
from incidents.severity import Severity
from tests.fakes import RecordingChat

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday


def maintainers(severity: Severity) -> OnCall:
    """A fixed on-call snapshot: sam primary, li backup, ana too."""
    return OnCall(
        rotation="maintainers",
        primary="console:sam",
        backup="console:li",
        everyone=("console:sam", "console:li", "console:ana"),
    )


@pytest.fixture
def clock() -> FakeClock:
    """A fake clock at Monday 14:00 UTC."""
    return FakeClock(T0)


@pytest.fixture
def chat() -> RecordingChat:
    """A chat that records deliveries."""
    return RecordingChat()


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, chat: RecordingChat) -> AsyncIterator[App]:
    """The real application on a SQLite file with on-call paging configured."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/sevbot.db")
    built = await build_app(settings, clock=clock, chats=[chat], oncall=maintainers)
    try:
        yield built
    finally:
        await built.close()


async def say(app: App, text: str, who: str = "sam", channel: str | None = None) -> str:
    """Run a command as `who` and deliver the outbox; return the reply text."""
    outcome = await app.service.handle_text(
        text, actor=f"console:{who}", platform="console", channel_id=channel
    )
    await app.dispatcher.deliver_due()
    return outcome.reply_text


async def tick(app: App, clock: FakeClock, **delta: float) -> int:
    """Advance the fake clock, fire due timers and deliver; return how many timers fired."""
    clock.advance(**delta)
    fired = await app.scheduler.fire_due()
    await app.dispatcher.deliver_due()
    return fired


@pytest.fixture
async def api_served(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> AsyncIterator[tuple[App, TestClient[object, object]]]:
    """The app with an API token (`tok`), behind a real aiohttp test server."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/h.db", api_token=SecretStr("tok"))
    app = await build_app(settings, clock=clock, chats=[chat])
    client: TestClient[object, object] = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()
