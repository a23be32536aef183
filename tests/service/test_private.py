"""Private incidents through the real service, store and web server: the list, what #incidents
reads, and no trace on the status page, its feed or summary.json; the dashboard marks them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import AccessSettings, Settings
from bot.settings_model import SecretStr
from incidents.messages import Audience
from tests.fakes import RecordingChat
from tests.service.conftest import maintainers, say

Client = TestClient[object, object]
TITLE = "Payroll export leaks salaries"
ADMIN = "console:root"


@pytest.fixture
async def site(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> AsyncIterator[tuple[App, Client]]:
    """The app (sam on call, root an admin) with a web token, behind a real test server."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/p.db",
        web_token=SecretStr("letmein"),
        public_url="http://status.example.com",
        access=AccessSettings(admins=[ADMIN]),
    )
    app = await build_app(settings, clock=clock, chats=[chat], oncall=maintainers)
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()


async def _private_sev1(app: App) -> None:
    """maria declares a private SEV-1 (#1) with an external update, beside a public SEV-2 (#2)."""
    reply = await say(app, f"/incident open sev1 --private {TITLE}", who="maria")
    assert reply == "Opening incident #1… its channel is being created."
    await say(app, "status 1 --external Some customers cannot see payslips", who="maria")
    await say(app, "open sev2 Search is slow", who="carol")


async def test_the_list_shows_a_private_incident_only_to_the_people_in_it(
    site: tuple[App, Client],
) -> None:
    """carol (outside) sees only the public one; maria, sam (paged) and an admin see both."""
    app, _ = site
    await _private_sev1(app)
    outsider = await say(app, "list", who="carol")
    assert "#2 Search is slow" in outsider
    assert "#1" not in outsider
    assert TITLE not in outsider
    assert "Open incidents (1)" in outsider
    for who in ("maria", "sam", "root"):
        listed = await say(app, "list", who=who)
        assert f"#1 🔒 {TITLE}" in listed, who
        assert "#2 Search is slow" in listed, who


async def test_incidents_channel_reads_no_title(
    site: tuple[App, Client], chat: RecordingChat
) -> None:
    """The announcement says a private SEV-1 was declared, with its number; nothing else."""
    app, _ = site
    await _private_sev1(app)
    [announcement, _public] = [m for m in chat.messages if m.audience is Audience.ANNOUNCE]
    assert announcement.incident == 1
    assert announcement.title == "🔴 Private SEV-1 #1"
    assert announcement.plain_text() == (
        "A private SEV-1 was declared: #1. Only the people in it see its channel and details."
    )
    await say(app, "resolve 1 Revoked the export token", who="maria")
    resolution = [m for m in chat.messages if m.audience is Audience.ANNOUNCE][-1]
    assert resolution.title == "✅ Resolved: private SEV-1 #1"
    assert "Revoked" not in resolution.plain_text()


async def test_status_page_feed_and_summary_show_no_trace(site: tuple[App, Client]) -> None:
    """Open, then resolved with a summary: never on /status, in the feed or in summary.json."""
    app, client = site
    await _private_sev1(app)
    for stage in ("open", "resolved"):
        page = await (await client.get("/status")).text()
        feed = await (await client.get("/status/feed.atom")).text()
        summary = await (await client.get("/status/summary.json")).json()
        for text in (page, feed, json.dumps(summary)):
            assert TITLE not in text, stage
            assert "payslips" not in text, stage
            assert "inc-1" not in text, stage
        assert [i["id"] for i in summary["incidents"]] == ["inc-2"], stage  # the public SEV-2
        assert summary["status"]["indicator"] == "minor", stage  # not the private SEV-1's major
        await say(app, "resolve 1 Revoked the export token", who="maria")
        await say(app, "status 1 --external Summary: we revoked the token", who="maria")


async def test_dashboard_marks_a_private_incident(site: tuple[App, Client]) -> None:
    """The dashboard (admins sign in) lists it with a Private badge, and its page says so."""
    app, client = site
    await _private_sev1(app)
    signed_in = await client.post("/login", data={"token": "letmein", "next": "/"})
    assert signed_in.status == 200
    board = await (await client.get("/")).text()
    assert '<span class="badge private">Private</span>' in board
    assert board.count('class="badge private"') == 1  # not the public SEV-2
    page = await (await client.get("/incidents/1")).text()
    assert '<span class="badge private">Private</span>' in page
    assert "(private)" in page  # the review draft's heading


async def test_a_public_incident_is_unchanged(
    site: tuple[App, Client], chat: RecordingChat
) -> None:
    """Without `--private` the announcement keeps the title and anyone lists it."""
    app, _ = site
    await say(app, "open sev1 Checkout is failing", who="maria")
    [announcement] = [m for m in chat.messages if m.audience is Audience.ANNOUNCE]
    assert announcement.title == "🔴 SEV-1 #1 Checkout is failing"
    assert "#1 Checkout is failing" in await say(app, "list", who="carol")
