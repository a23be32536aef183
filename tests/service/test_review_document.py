"""The review document: golden files for a scripted incident, stability, zones, team templates."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.review.cli import write_review
from bot.review.markdown import ReviewTemplateError, render_review
from incidents import commands as c
from incidents.review import review_facts
from tests.fakes import RecordingChat
from tests.service.conftest import say
from tests.service.scripted import at, check_golden, play_sev1


async def posted_review(app: App, chat: RecordingChat, number: int = 1) -> str:
    """Ask for the review in chat and return the Markdown file it posted."""
    chat.clear()
    reply = await say(app, f"/incident review {number}", who="li")
    assert f"incident-{number}-review.md" in reply
    (message,) = [m for m in chat.messages if m.kind == "review"]
    assert message.attachment_name == f"incident-{number}-review.md"
    assert message.attachment is not None
    return message.attachment


async def test_scripted_incident_matches_the_golden_review(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """The review posted in chat for the scripted SEV-1 is byte-identical to the golden file."""
    await play_sev1(app, clock)
    check_golden("review-sev1.md", await posted_review(app, chat))


async def test_golden_review_in_the_readers_zone(app: App, clock: FakeClock) -> None:
    """With a reader zone every time also shows in that zone (golden file for Europe/Paris)."""
    await play_sev1(app, clock)
    incident = await app.service.load(1)
    assert incident is not None
    facts = review_facts(incident, app.policy, clock.now())
    check_golden(
        "review-sev1-europe-paris.md",
        render_review(facts, reader_zone=ZoneInfo("Europe/Paris")),
    )


async def test_review_holds_every_recorded_fact(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Header, durations, verdicts, each kind of timeline entry, action items and participants."""
    await play_sev1(app, clock)
    review = await posted_review(app, chat)
    for expected in (
        "# Post-incident review: #1 Checkout is failing for card payments",
        "- **Severity:** 🔴 SEV-0 (declared as SEV-1)",
        "  - 2026-11-23 14:30 UTC: SEV-1 → SEV-0 by @li",
        "- **Incident commander:** @li",
        "- **Communications lead:** @ana",
        "- **Responders:** @sam",
        "- **Declared:** 2026-11-23 14:00 UTC by @maria",
        "- **Acknowledged:** 2026-11-23 14:17 UTC by @li",
        "- **Resolved:** 2026-11-23 15:10 UTC",
        "| Time to acknowledge | 17 min | 1 h (by 2026-11-23 15:00 UTC) | ✅ met |",
        "| Time to resolve | 1 h 10 min |",
        "| detection | 2026-11-23 14:00 UTC | 20 min | 2026-11-23 14:15 UTC | ❌ missed |",
        "| triage | 2026-11-23 14:20 UTC | 8 min | 2026-11-23 14:30 UTC | ✅ met |",
        "· sevbot · [page] Paged @sam (primary, rotation maintainers)",
        "· sevbot · [escalation] Paged @li (backup)",
        "· sevbot · [breach] Detection window missed",
        "· @sam · [internal] Card payments fail with 502s since the 13:55 deploy",
        "· @ana · **[external]** Card payments are failing; we are on it",
        "· @li · [role] @ana is communications lead",
        "· @li · [note] Paused the nightly settlement batch",
        "- 2026-11-23 14:25 UTC · @li · 📌 @sam: “Error graph: 502s from the card processor "
        "start at 13:55” ([message](https://chat.example.com/archives/inc-1/p1))",
        "- [ ] 1. Alert on card-processor 502s (@sam, open)",
        "- [ ] 2. Canary the payment service deploys (no owner, open)",
        "- [x] 3. Write the rollback runbook (@ana, done 2026-11-23 15:15 UTC)",
        "- @omar",
    ):
        assert expected in review, expected
    headings = [line for line in review.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Impact",
        "## Severity and targets",
        "## Timeline",
        "## Root cause",
        "## Trigger",
        "## Detection",
        "## Resolution",
        "## What went well",
        "## What went wrong",
        "## Where we got lucky",
        "## Lessons learned",
        "## Procedures to update",
        "## Action items",
        "## Participants",
    ]


async def test_timeline_is_complete_and_in_order(app: App, clock: FakeClock) -> None:
    """Every timeline entry appears once, in recorded order."""
    await play_sev1(app, clock)
    incident = await app.service.load(1)
    assert incident is not None
    review = render_review(review_facts(incident, app.policy, clock.now()))
    lines = [line for line in review.splitlines() if line.startswith("- 2026-")]
    assert len(lines) == len(incident.timeline)
    for line, entry in zip(lines, incident.timeline, strict=True):
        assert entry.at.strftime("%Y-%m-%d %H:%M UTC") in line


async def test_same_incident_renders_byte_identically(
    tmp_path: Path, app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Chat, a fresh store connection and the CLI all render the same bytes for the incident."""
    await play_sev1(app, clock)
    from_chat = await posted_review(app, chat)
    assert await posted_review(app, chat) == from_chat
    out = io.StringIO()
    code = await write_review(app.settings, 1, output="-", clock=clock, out=out)
    assert code == 0
    assert out.getvalue() == from_chat


async def test_a_closed_incident_renders_the_same_bytes_later(app: App, clock: FakeClock) -> None:
    """Once closed, the facts are as of closing: a review drawn up a month later is identical."""
    await play_sev1(app, clock)
    await say(app, "/incident review 1 done https://wiki.example.com/pir-1", who="li")
    await say(app, "/incident close 1", who="li")
    incident = await app.service.load(1)
    assert incident is not None
    first = render_review(review_facts(incident, app.policy, clock.now()))
    later = render_review(review_facts(incident, app.policy, clock.now() + timedelta(days=30)))
    assert first == later
    assert "- **Closed:** 2026-11-23 15:20 UTC" in first
    assert "done 2026-11-23 15:20 UTC: https://wiki.example.com/pir-1" in first


async def test_cli_writes_incident_n_review_md_by_default(
    tmp_path: Path, app: App, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sevbot review 1` writes incident-1-review.md in the working directory."""
    await play_sev1(app, clock)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert await write_review(app.settings, 1, clock=clock, out=out) == 0
    written = (tmp_path / "incident-1-review.md").read_text(encoding="utf-8")
    assert written.startswith("# Post-incident review: #1 ")
    assert "incident-1-review.md" in out.getvalue()


async def test_cli_tz_adds_the_readers_zone(app: App, clock: FakeClock) -> None:
    """`--tz Asia/Tokyo` shows each time in Tokyo beside UTC, with the date when it differs."""
    await play_sev1(app, clock)
    out = io.StringIO()
    code = await write_review(app.settings, 1, output="-", zone="Asia/Tokyo", clock=clock, out=out)
    assert code == 0
    text = out.getvalue()
    assert "- **Declared:** 2026-11-23 14:00 UTC (23:00 JST) by @maria" in text
    assert "(@ana, done 2026-11-23 15:15 UTC (Tue 24 Nov 00:15 JST))" in text
    assert "times in UTC (Asia/Tokyo in brackets)" in text


async def test_cli_refuses_an_unknown_zone_and_a_missing_incident(app: App) -> None:
    """A bad --tz exits 2 saying what is valid; an unknown incident exits 1."""
    err = io.StringIO()
    assert await write_review(app.settings, 1, zone="Mars/Olympus", err=err) == 2
    assert "IANA time zone" in err.getvalue()
    err = io.StringIO()
    assert await write_review(app.settings, 99, output="-", err=err) == 1
    assert "no incident #99" in err.getvalue()


TEAM_TEMPLATE = """# PIR {{ number }}: {{ title }} ({{ severity }})
{% for row in timeline %}
{{ row.when }} {{ row.text }}
{% endfor %}
"""

EXTENDING_TEMPLATE = """{% extends "sevbot/review.md.j2" %}
{% block impact %}
> ACME impact checklist: customers, revenue, SLO budget burned.
{% endblock %}
"""


async def team_app(tmp_path: Path, clock: FakeClock, chat: RecordingChat, template: str) -> App:
    """An app whose SEVBOT_REVIEW_TEMPLATE is a file holding `template`."""
    path = tmp_path / "templates" / "pir.md.j2"
    path.parent.mkdir(exist_ok=True)
    path.write_text(template, encoding="utf-8")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/team.db", review_template=str(path))
    return await build_app(settings, clock=clock, chats=[chat])


async def test_team_template_replaces_the_shipped_one(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """With SEVBOT_REVIEW_TEMPLATE set, the review posted in chat comes from the team's file."""
    app = await team_app(tmp_path, clock, chat, TEAM_TEMPLATE)
    try:
        await say(app, "/incident open sev2 Search is slow", who="maria")
        review = await posted_review(app, chat)
    finally:
        await app.close()
    assert review == (
        "# PIR 1: Search is slow (SEV-2)\n2026-11-23 14:00 UTC Declared SEV-2: Search is slow\n"
    )


async def test_team_template_can_extend_the_shipped_one(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """A team template that extends sevbot/review.md.j2 overrides one block and keeps the rest."""
    app = await team_app(tmp_path, clock, chat, EXTENDING_TEMPLATE)
    try:
        await say(app, "/incident open sev2 Search is slow", who="maria")
        review = await posted_review(app, chat)
    finally:
        await app.close()
    assert "> ACME impact checklist: customers, revenue, SLO budget burned." in review
    assert "## Root cause" in review
    assert "Who was affected, how" not in review


async def test_broken_team_template_stops_start_up(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """A template with a syntax error fails build_app, naming the file and the line."""
    with pytest.raises(ReviewTemplateError) as refused:
        await team_app(tmp_path, clock, chat, "# {{ number }\n")
    assert "pir.md.j2" in refused.value.message
    assert "line 1" in refused.value.message


async def test_team_template_typo_is_a_polite_reply(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """An undefined name in the team template gets a reply naming it; nothing is posted."""
    app = await team_app(tmp_path, clock, chat, "# {{ numbr }}\n")
    try:
        await say(app, "/incident open sev2 Search is slow", who="maria")
        chat.clear()
        reply = await say(app, "/incident review 1")
    finally:
        await app.close()
    assert "numbr" in reply
    assert "pir.md.j2" in reply
    assert chat.kinds() == []


async def test_missing_team_template_stops_start_up(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """SEVBOT_REVIEW_TEMPLATE naming no file fails build_app and says so."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/x.db", review_template=str(tmp_path / "nope.j2")
    )
    with pytest.raises(ReviewTemplateError, match="does not exist"):
        await build_app(settings, clock=clock, chats=[chat])


async def test_pinned_message_shows_with_its_author_after_resolution(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """A message pinned after resolution is in the review, stamped with who wrote it."""
    await say(app, "/incident open sev2 Search is slow", who="maria")
    await say(app, "/incident resolve 1 Reindexed", who="sam")
    await at(app, clock, 30)
    await app.service.handle(
        c.RecordPinnedMessage(author="console:ana", text="p99 back to 80 ms"),
        actor="console:li",
        platform="console",
        number=1,
    )
    review = await posted_review(app, chat)
    assert "- 2026-11-23 14:30 UTC · @li · 📌 @ana: “p99 back to 80 ms”" in review


async def test_an_action_items_issue_is_linked_in_the_review(app: App, clock: FakeClock) -> None:
    """An action item that became an issue (`--issue`) links it; one that did not, does not."""
    await say(app, "/incident open sev2 Search is slow", who="maria")
    await say(app, "/incident action 1 Add a p99 alert @sam", who="maria")
    await say(app, "/incident action 1 Write the runbook", who="maria")
    incident = await app.service.load(1)
    assert incident is not None
    linked = replace(
        incident.action_items[0], issue_url="https://github.com/acme/widgets/issues/12"
    )
    incident = replace(incident, action_items=(linked, *incident.action_items[1:]))
    review = render_review(review_facts(incident, app.policy, clock.now()))
    assert "Add a p99 alert (@sam, open, https://github.com/acme/widgets/issues/12)" in review
    assert "Write the runbook (no owner, open)" in review
