"""The status page and the dashboard in-process: what is public, what needs a login, headers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from tests.fakes import RecordingChat
from tests.service.conftest import say

Client = TestClient[object, object]


@pytest.fixture
async def site(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> AsyncIterator[tuple[App, Client]]:
    """The app with a web token, behind a real aiohttp test server."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/w.db",
        web_token=SecretStr("letmein"),
        public_url="http://status.example.com",
    )
    app = await build_app(settings, clock=clock, chats=[chat])
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()


async def _sev1_with_updates(app: App) -> None:
    await say(app, "open sev1 Checkout <script>alert(1)</script> failing", who="maria")
    await say(app, "ic 1 @sam")  # sam leads: external updates and resolve are a lead's
    await say(app, "status 1 Internal: suspect deploy 8812 by @sam")
    await say(
        app,
        'status 1 --external --title "Payments <b>down</b>" Card payments are failing; we are on it',
    )


async def test_status_page_shows_only_external_updates(site: tuple[App, Client]) -> None:
    """The public page has the external update, the published title (escaped) and the state,
    never the internal update, the internal title or names."""
    app, client = site
    await _sev1_with_updates(app)
    response = await client.get("/status")
    html = await response.text()
    assert response.status == 200
    assert "Partial System Outage" in html
    assert "Card payments are failing; we are on it" in html
    assert "suspect deploy" not in html
    assert "maria" not in html
    assert "inc-1" not in html
    assert "Payments &lt;b&gt;down&lt;/b&gt;" in html
    assert "alert(1)" not in html
    assert 'http-equiv="refresh" content="60"' in html


async def test_operational_when_nothing_is_open(site: tuple[App, Client]) -> None:
    """No open public incident: all systems operational; SEV-3 is not public by default."""
    app, client = site
    await say(app, "open sev3 Flaky nightly export")
    html = await (await client.get("/status")).text()
    assert "All Systems Operational" in html
    assert "Flaky nightly export" not in html


async def test_resolved_incident_moves_to_history_with_summary(site: tuple[App, Client]) -> None:
    """After resolution the incident is history; an external update after it is the summary."""
    app, client = site
    await _sev1_with_updates(app)
    await say(app, "resolve 1 Rolled back")
    await say(app, "status 1 --external Post-incident summary: a bad deploy; we added a canary")
    html = await (await client.get("/status")).text()
    assert "All Systems Operational" in html
    assert "Post-incident summary: a bad deploy" in html
    assert "Past incidents" in html


async def test_feed_and_summary_json_parse(site: tuple[App, Client]) -> None:
    """The Atom feed is XML with one entry per external update; summary.json has its shape."""
    app, client = site
    await _sev1_with_updates(app)
    feed = ET.fromstring(await (await client.get("/status/feed.atom")).text())
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert [e.findtext(f"{atom}content") for e in entries] == [
        "Investigating — Card payments are failing; we are on it"
    ]
    summary = json.loads(await (await client.get("/status/summary.json")).text())
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert summary["page"]["url"] == "http://status.example.com/status"
    incident = summary["incidents"][0]
    assert incident["impact"] == "major"
    assert incident["status"] == "investigating"
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Card payments are failing; we are on it"
    ]


async def test_security_headers_everywhere(site: tuple[App, Client]) -> None:
    """CSP without inline script, frame denial and referrer policy on pages and errors."""
    _, client = site
    for path in ("/status", "/login", "/nope"):
        response = await client.get(path)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_dashboard_needs_login(site: tuple[App, Client]) -> None:
    """Without a session the dashboard redirects to the sign-in form."""
    _, client = site
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith("/login")


async def test_sign_in_sets_a_strict_httponly_cookie(site: tuple[App, Client]) -> None:
    """The right token signs in with an HttpOnly, SameSite=Strict cookie; the page shows data."""
    app, client = site
    await _sev1_with_updates(app)
    wrong = await client.post("/login", data={"token": "nope", "next": "/"}, allow_redirects=False)
    assert wrong.status == 401
    response = await client.post(
        "/login", data={"token": "letmein", "next": "/"}, allow_redirects=False
    )
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    page = await (await client.get("/")).text()
    assert 'class="countdown' in page
    assert "&lt;script&gt;" in page
    detail = await (await client.get("/incidents/1")).text()
    assert "suspect deploy 8812" in detail
    assert "Post-incident review" in detail


async def test_wrong_tokens_are_rate_limited(site: tuple[App, Client]) -> None:
    """After five wrong tokens, even the right one waits (429 with Retry-After)."""
    _, client = site
    for _ in range(5):
        assert (await client.post("/login", data={"token": "x"})).status == 401
    blocked = await client.post("/login", data={"token": "letmein"}, allow_redirects=False)
    assert blocked.status == 429
    assert int(blocked.headers["Retry-After"]) > 0


async def test_one_time_link_from_chat(site: tuple[App, Client], clock: FakeClock) -> None:
    """`/incident dashboard` replies with a link that signs in once, within 10 minutes."""
    app, client = site
    reply = await say(app, "dashboard")
    link = reply.split(": ", 1)[1]
    assert link.startswith("http://status.example.com/login/link?t=")
    path = link.removeprefix("http://status.example.com")
    first = await client.get(path, allow_redirects=False)
    assert first.status == 303
    assert "sevbot_session" in first.headers["Set-Cookie"]
    again = await client.get(path, allow_redirects=False)
    assert again.status == 403
    late = (await say(app, "dashboard")).split(": ", 1)[1].removeprefix("http://status.example.com")
    clock.advance(minutes=11)
    assert (await client.get(late, allow_redirects=False)).status == 403


async def test_dashboard_shows_who_is_on_call(tmp_path: Path, chat: RecordingChat) -> None:
    """With a rotation configured, the dashboard lists primary, backup and who is next."""
    from tests.service.oncall_helpers import WEDNESDAY, oncall_app

    clock = FakeClock(WEDNESDAY)
    app = await oncall_app(tmp_path / "o.db", clock, chat, web_token=SecretStr("letmein"))
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    try:
        await client.post("/login", data={"token": "letmein", "next": "/"})
        page = await (await client.get("/")).text()
        assert "<td>maintainers</td><td>@alice</td><td>@bob</td>" in page
        assert "@bob from Mon 07 Dec 09:00 UTC" in page
    finally:
        await client.close()
        await app.close()


async def test_a_downgraded_public_incident_keeps_its_public_history(
    site: tuple[App, Client],
) -> None:
    """A SEV-0 with a published update, lowered to SEV-3, stays on /status, the feed and JSON."""
    app, client = site
    await say(app, "open sev0 Card payments are down", who="maria")
    await say(app, "ic 1 @sam")  # sam leads: external updates, severity and resolve are a lead's
    await say(app, "status 1 --external Card payments are failing; we are on it")
    await say(app, "sev 1 sev3")
    html = await (await client.get("/status")).text()
    assert "Service disruption" in html  # nobody published a title: the neutral one
    assert "Card payments are failing; we are on it" in html
    assert "All Systems Operational" not in html
    feed = ET.fromstring(await (await client.get("/status/feed.atom")).text())
    atom = "{http://www.w3.org/2005/Atom}"
    assert [e.findtext(f"{atom}content") for e in feed.findall(f"{atom}entry")] == [
        "Investigating — Card payments are failing; we are on it"
    ]
    summary = json.loads(await (await client.get("/status/summary.json")).text())
    (incident,) = summary["incidents"]
    assert incident["name"] == "Service disruption"
    assert [u["body"] for u in incident["incident_updates"]] == [
        "Card payments are failing; we are on it"
    ]
    await say(app, "resolve 1 Fixed")
    history = await (await client.get("/status")).text()
    assert "Past incidents" in history
    assert "Card payments are failing; we are on it" in history


async def test_an_incident_never_public_stays_off_the_page(site: tuple[App, Client]) -> None:
    """A SEV-3 with an external update, never of a public severity, is not on the page."""
    app, client = site
    await say(app, "open sev3 Nightly export is slow")
    await say(app, "status 1 --external Exports may be late today")
    html = await (await client.get("/status")).text()
    assert "Nightly export is slow" not in html
    assert "Exports may be late today" not in html


async def test_dashboard_shows_the_latest_audit_entries(site: tuple[App, Client]) -> None:
    """A refusal and an allowed privileged action appear on the dashboard, newest first."""
    app, client = site
    await _sev1_with_updates(app)  # maria declares; sam takes IC; updates
    await say(app, "sev 1 sev0", who="eve")
    signed = await client.post("/login", data={"token": "letmein", "next": "/"})
    assert signed.status == 200
    page = await (await client.get("/")).text()
    section = page[page.index("Audit log (latest)") :]
    assert "console:eve" in section
    assert "REFUSED" in section
    assert "change the severity of #1" in section
    assert "post an external status update on #1" in section
    assert section.index("console:eve") < section.index("post an external status update")
