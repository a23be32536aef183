"""The public status page as consumers read it, checked with real parsers: the Atom feed with
feedparser, `summary.json` against a JSON Schema written from Statuspage's documentation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from tests.fakes import RecordingChat
from tests.service.conftest import say

Client = TestClient[object, object]
SCHEMA = json.loads(
    (Path(__file__).parent / "statuspage_summary.schema.json").read_text(encoding="utf-8")
)
COMPONENTS = ["API", "Checkout", "Dashboard"]


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/p.db",
        "public_url": "https://status.example.com",
        "status_page": {"components": COMPONENTS},
    }
    return Settings(**(values | overrides))


async def _serve(settings: Settings, clock: FakeClock) -> tuple[App, Client]:
    app = await build_app(settings, clock=clock, chats=[RecordingChat()])
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    return app, client


@pytest.fixture
async def site(tmp_path: Path, clock: FakeClock) -> AsyncIterator[tuple[App, Client]]:
    """The app with three components and a public URL, behind a real aiohttp test server."""
    app, client = await _serve(_settings(tmp_path), clock)
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()


async def summary(client: Client) -> dict[str, Any]:
    """`summary.json`, checked against the Statuspage schema."""
    body = json.loads(await (await client.get("/status/summary.json")).text())
    jsonschema.validate(body, SCHEMA, format_checker=jsonschema.FormatChecker())
    return body


async def feed(client: Client) -> Any:
    """The Atom feed as feedparser reads it, which must find nothing wrong with it."""
    response = await client.get("/status/feed.atom")
    parsed = feedparser.parse(await response.text())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


async def _sev1(app: App, opening: str = "open sev1 Disk 95% on db-3") -> None:
    await say(app, opening, who="maria")
    await say(app, "ic 1 @sam")  # sam leads: external updates, components and resolve


async def test_three_external_updates_within_one_second_are_three_entries(
    site: tuple[App, Client],
) -> None:
    """Three external updates in the same second: three entries with three ids (tag URIs of
    the public host), and a fourth update leaves their ids as they were."""
    app, client = site
    await _sev1(app)
    for text in ("One", "Two", "Three"):
        await say(app, f"status 1 --external {text}")
    first = await feed(client)
    ids = [entry.id for entry in first.entries]
    assert [entry.summary for entry in first.entries] == [
        "Investigating — Three",
        "Investigating — Two",
        "Investigating — One",
    ]
    assert len(set(ids)) == 3
    assert all(i.startswith("tag:status.example.com,2026-11-23:status/incident/1/") for i in ids)
    assert first.feed.id == "https://status.example.com/status"
    assert first.feed.author == "Status"
    await say(app, "status 1 --external Four")
    second = await feed(client)
    assert [entry.id for entry in second.entries][1:] == ids


async def test_without_a_public_url_entry_ids_are_uuid_urns(
    tmp_path: Path, clock: FakeClock
) -> None:
    """No SEVBOT_PUBLIC_URL: the ids are distinct `urn:uuid:` URNs, the feed still valid."""
    app, client = await _serve(_settings(tmp_path, public_url=None), clock)
    try:
        await _sev1(app)
        for text in ("One", "Two", "Three"):
            await say(app, f"status 1 --external {text}")
        ids = [entry.id for entry in (await feed(client)).entries]
        assert len(set(ids)) == 3
        assert all(i.startswith("urn:uuid:") for i in ids)
    finally:
        await client.close()
        await app.close()


async def test_summary_updates_keep_their_ids_and_the_status_they_were_posted_with(
    site: tuple[App, Client], clock: FakeClock
) -> None:
    """Detection, mitigation, mitigated: investigating, identified, monitoring; each update
    keeps its id and its status as newer ones arrive; the incident's status follows its phase."""
    app, client = site
    await _sev1(app)
    assert (await summary(client))["incidents"][0]["status"] == "investigating"
    await say(app, "status 1 --external Looking into failed payments")
    before = (await summary(client))["incidents"][0]["incident_updates"]
    clock.advance(minutes=5)
    await say(app, "phase 1 mitigation")
    await say(app, "status 1 --external Rolling back the deploy")
    clock.advance(minutes=5)
    await say(app, "mitigated 1 Rolled back")
    await say(app, "status 1 --external Payments recovered; watching")
    (incident,) = (await summary(client))["incidents"]
    assert (incident["status"], incident["monitoring_at"]) == ("monitoring", "2026-11-23T14:10:00Z")
    assert [(u["id"], u["status"]) for u in incident["incident_updates"]] == [
        ("inc-1-update-3", "monitoring"),
        ("inc-1-update-2", "identified"),
        ("inc-1-update-1", "investigating"),
    ]
    assert incident["incident_updates"][-1] == before[0]
    await say(app, "resolve 1 Fixed")
    assert (await summary(client))["incidents"] == []


async def test_components_show_in_summary_on_the_page_and_in_the_feed(
    site: tuple[App, Client],
) -> None:
    """`open --component Checkout` and `component API degraded`: their statuses in summary.json,
    on the page and in the feed; resolving returns both to operational, and the feed says so."""
    app, client = site
    await _sev1(app, "open sev1 --component Checkout Disk 95% on db-3")
    await say(app, "component 1 API degraded")
    await say(app, "status 1 --external Payments fail for some cards")
    body = await summary(client)
    assert [(c["name"], c["status"], c["position"]) for c in body["components"]] == [
        ("API", "degraded_performance", 1),
        ("Checkout", "partial_outage", 2),
        ("Dashboard", "operational", 3),
    ]
    assert [c["name"] for c in body["incidents"][0]["components"]] == ["Checkout", "API"]
    assert body["status"] == {"indicator": "major", "description": "Partial System Outage"}
    html = await (await client.get("/status")).text()
    assert "Partial outage" in html
    assert "Degraded performance" in html
    contents = [entry.summary for entry in (await feed(client)).entries]
    assert contents[0] == (
        "Investigating — Payments fail for some cards\n"
        "Components: Checkout (partial outage), API (degraded performance)"
    )
    assert "API: degraded performance (was operational)." in contents
    await say(app, "resolve 1 Fixed")
    body = await summary(client)
    assert {c["status"] for c in body["components"]} == {"operational"}
    assert body["status"] == {"indicator": "none", "description": "All Systems Operational"}
    resolved = (await feed(client)).entries[0]
    assert resolved.summary == "Resolved — This incident has been resolved."
    assert "Fixed" not in resolved.summary  # the resolution summary is internal


async def test_maintenance_moves_from_scheduled_to_completed_by_itself(
    site: tuple[App, Client], clock: FakeClock, tmp_path: Path
) -> None:
    """Announced for 15:00-17:00: scheduled, then in progress with Dashboard under maintenance,
    then completed and gone from summary.json; the feed has each stage once; a restart
    changes nothing (the clock decides)."""
    app, client = site
    reply = await say(
        app,
        "maintenance 2026-11-23 15:00 2026-11-23T17:00Z Database upgrade --component dashboard",
    )
    assert reply.startswith("🛠 Scheduled maintenance M1 is on the status page: Database upgrade")
    (planned,) = (await summary(client))["scheduled_maintenances"]
    assert (planned["status"], planned["scheduled_for"], planned["scheduled_until"]) == (
        "scheduled",
        "2026-11-23T15:00:00Z",
        "2026-11-23T17:00:00Z",
    )
    clock.advance(hours=1)
    body = await summary(client)
    (planned,) = body["scheduled_maintenances"]
    assert planned["status"] == "in_progress"
    assert [u["status"] for u in planned["incident_updates"]] == ["in_progress", "scheduled"]
    assert body["components"][2]["status"] == "under_maintenance"
    assert body["status"] == {
        "indicator": "maintenance",
        "description": "Service Under Maintenance",
    }
    assert "In progress" in await (await client.get("/status")).text()
    clock.advance(hours=2)
    restarted, again = await _serve(_settings(tmp_path), clock)
    try:
        body = await summary(again)
        assert body["scheduled_maintenances"] == []
        assert body["components"][2]["status"] == "operational"
        entries = (await feed(again)).entries
        assert [e.summary.split(" — ")[0] for e in entries] == [
            "Completed",
            "In progress",
            "Scheduled",
        ]
        assert len({e.id for e in entries}) == 3
        assert "Completed maintenance" in await (await again.get("/status")).text()
    finally:
        await again.close()
        await restarted.close()


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        (
            "maintenance 2026-11-23T16:00Z 2026-11-23T15:00Z Upgrade",
            "must end after it starts: 2026-11-23 15:00 UTC is not after 2026-11-23 16:00 UTC",
        ),
        (
            "maintenance 2026-11-22T16:00Z 2026-11-23T17:00Z Upgrade",
            "would start in the past (2026-11-22 16:00 UTC); it is 2026-11-23 14:00 UTC now",
        ),
        (
            "maintenance 2026-11-23T16:00Z 2026-11-23T17:00Z Upgrade --component Payments",
            "Unknown component `Payments`. Use one of: API, Checkout, Dashboard",
        ),
    ],
)
async def test_impossible_maintenance_is_refused_and_nothing_is_announced(
    site: tuple[App, Client], command: str, fragment: str
) -> None:
    """A polite refusal saying what is valid; the page shows no planned work."""
    app, client = site
    assert fragment in await say(app, command)
    assert (await summary(client))["scheduled_maintenances"] == []


async def test_the_internal_title_never_shows_until_a_title_is_published(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The page, feed and summary show the configured neutral title, then the published one;
    never the internal one. `--title` on an internal update is refused."""
    settings = _settings(tmp_path, status_page={"default_title": "We are looking into an issue"})
    app, client = await _serve(settings, clock)
    try:
        await _sev1(app)
        await say(app, "status 1 --external Some payments fail")
        pages = [
            await (await client.get(path)).text()
            for path in ("/status", "/status/feed.atom", "/status/summary.json")
        ]
        assert all("We are looking into an issue" in page for page in pages)
        assert not any("db-3" in page for page in pages)
        refused = await say(app, 'status 1 --title "Degraded checkout" Internal only')
        assert "`--title` names what customers read" in refused
        await say(app, 'status 1 --external --title "Degraded checkout" Fix rolling out')
        body = await summary(client)
        assert body["incidents"][0]["name"] == "Degraded checkout"
        assert {e.title for e in (await feed(client)).entries} == {"Degraded checkout"}
        assert "db-3" not in await (await client.get("/status")).text()
    finally:
        await client.close()
        await app.close()


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("status", "description"), "Major outage"),
        (("status", "indicator"), "red"),
        (("components", 0, "status"), "degraded"),
        (("incidents", 0, "status"), "in_progress"),
        (("incidents", 0, "incident_updates", 0, "created_at"), "23 Nov 2026 14:00"),
        (("scheduled_maintenances", 0, "status"), "investigating"),
    ],
)
async def test_the_schema_refuses_what_statuspage_would_not_send(
    site: tuple[App, Client], where: tuple[str | int, ...], value: str
) -> None:
    """The schema is no rubber stamp: a wrong word or a time in another shape fails it."""
    app, client = site
    await _sev1(app, "open sev1 --component Checkout Disk 95% on db-3")
    await say(app, "status 1 --external Looking")
    await say(app, "maintenance 2026-11-24T02:00Z 2026-11-24T04:00Z Database upgrade")
    body: Any = await summary(client)
    inner = body
    for key in where[:-1]:
        inner = inner[key]
    inner[where[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, SCHEMA, format_checker=jsonschema.FormatChecker())


async def test_scheduling_maintenance_is_audited(site: tuple[App, Client]) -> None:
    """Planned work is a public statement: the audit log has who announced it."""
    app, _ = site
    await say(app, "maintenance 2026-11-24T02:00Z 2026-11-24T04:00Z Database upgrade", who="li")
    async with app.store.transaction() as uow:
        entries = await uow.audit_since(app.clock.now(), 10)
    assert [(e.actor, e.what, e.allowed) for e in entries if e.action == "maintenance"] == [
        ("console:li", "schedule maintenance on the status page", True)
    ]
