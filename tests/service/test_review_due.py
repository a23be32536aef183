"""Review due dates on the fake clock: reminders to the IC, the missed date, the refused close."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import PolicySettings, Settings
from incidents.messages import Audience, Message
from incidents.model import EntryKind
from incidents.phase import Phase
from tests.fakes import RecordingChat
from tests.service.conftest import say, tick


async def resolved_sev1(app: App, clock: FakeClock, severity: str = "sev1") -> None:
    """#1 declared by maria, acknowledged by sam, IC li (took the role), resolved 1 h later."""
    await say(app, f"/incident open {severity} Checkout is failing", who="maria")
    await say(app, "/incident ack 1", who="sam")
    await say(app, "/incident ic 1 @li", who="li")
    await tick(app, clock, hours=1)
    await say(app, "/incident resolve 1 Rolled back", who="li")


def review_messages(chat: RecordingChat) -> list[Message]:
    """The review reminders and overdue notices delivered so far."""
    return [m for m in chat.messages if m.kind in ("review_reminder", "review_overdue")]


async def test_reminders_at_24h_and_at_the_due_time(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """24 h after resolution the IC is reminded (channel and DM); at 48 h again, and it is late."""
    await resolved_sev1(app, clock)
    chat.clear()
    await tick(app, clock, hours=23, minutes=59)
    assert review_messages(chat) == []
    await tick(app, clock, minutes=1)
    channel, direct = review_messages(chat)
    assert (channel.kind, channel.audience) == ("review_reminder", Audience.INCIDENT)
    assert (direct.audience, direct.recipient) == (Audience.DIRECT, "console:li")
    assert "due Wed 25 Nov 15:00 UTC (in 1 d)" in direct.plain_text()
    chat.clear()
    await tick(app, clock, hours=24)
    overdue, dm = review_messages(chat)
    assert (overdue.kind, overdue.audience) == ("review_overdue", Audience.INCIDENT)
    assert "@li" in overdue.plain_text()
    assert "was due now and is not marked done" in overdue.plain_text()
    assert (dm.audience, dm.recipient) == (Audience.DIRECT, "console:li")
    assert "`/incident review 1 done <link>`" in dm.plain_text()
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.timeline[-1].kind is EntryKind.BREACH
    assert incident.timeline[-1].text == "Review due date missed"
    chat.clear()
    await tick(app, clock, days=7)
    assert review_messages(chat) == []


async def test_review_done_stops_the_reminders(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """`/incident review done <link>` records the link and no reminder follows."""
    await resolved_sev1(app, clock)
    chat.clear()
    await say(app, "/incident review 1 done https://wiki.example.com/pir-1", who="li")
    assert chat.kinds() == ["review_done"]
    assert "https://wiki.example.com/pir-1" in chat.messages[0].plain_text()
    chat.clear()
    await tick(app, clock, days=3)
    assert review_messages(chat) == []
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.review_link == "https://wiki.example.com/pir-1"
    assert incident.timeline[-1].kind is EntryKind.REVIEW_DONE


async def test_configured_due_date_reminds_a_day_before(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """A SEV-2 review configured due after 72 h is reminded at 48 h (a day ahead), due at 72 h."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/c.db",
        policy=PolicySettings(review_due={"sev2": "72h"}),
    )
    app = await build_app(settings, clock=clock, chats=[chat])
    try:
        await resolved_sev1(app, clock, severity="sev2")
        chat.clear()
        await tick(app, clock, hours=47, minutes=59)
        assert review_messages(chat) == []
        await tick(app, clock, minutes=1)
        assert [m.kind for m in review_messages(chat)] == ["review_reminder"] * 2
        chat.clear()
        await tick(app, clock, hours=24)
        assert [m.kind for m in review_messages(chat)] == ["review_overdue"] * 2
    finally:
        await app.close()


async def test_sev3_needs_no_review_and_closes_at_once(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """By default a SEV-3 has no review: no reminders, and close works straight after resolving."""
    await resolved_sev1(app, clock, severity="sev3")
    (resolved,) = [m for m in chat.messages if m.kind == "resolved"]
    assert "No review is required for this severity." in resolved.plain_text()
    await tick(app, clock, days=3)
    assert review_messages(chat) == []
    await say(app, "/incident close 1", who="li")
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.phase is Phase.CLOSED


async def test_close_is_refused_until_the_review_is_done(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Close (and `phase closed`) from resolution or post-incident says how to finish the review."""
    await resolved_sev1(app, clock)
    chat.clear()
    replies = [
        await say(app, "/incident close 1", who="li"),
        await say(app, "/incident phase 1 closed", who="li"),
    ]
    await say(app, "/incident phase 1 post-incident", who="li")
    replies.append(await say(app, "/incident close 1", who="li"))
    for reply in replies:
        assert "#1 (SEV-1) needs its post-incident review before it closes" in reply
        assert "`/incident review`" in reply
        assert "`/incident review done <link>`" in reply
        assert "`/incident close --force`" in reply
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.phase is Phase.POST_INCIDENT
    assert all(e.kind is not EntryKind.CLOSED for e in incident.timeline)
    await say(app, "/incident review 1 done https://wiki.example.com/pir-1", who="li")
    await say(app, "/incident close 1", who="maria")  # the declarer, a lead too
    closed = await app.service.load(1)
    assert closed is not None
    assert closed.phase is Phase.CLOSED
    assert closed.timeline[-1].get("forced") == "false"


async def test_force_close_by_the_ic_is_recorded(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Only the IC may force-close; it is on the timeline and the review reminders stop."""
    await resolved_sev1(app, clock)
    refused = await say(app, "/incident close 1 --force", who="sam")
    assert refused == "Only the incident commander @li or an admin can force-close #1."
    chat.clear()
    await say(app, "/incident close 1 --force", who="li")
    assert chat.messages[-1].plain_text() == "🔒 #1 closed by @li (review skipped)."
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.phase is Phase.CLOSED
    entry = incident.timeline[-1]
    assert (entry.kind, entry.actor, entry.text) == (
        EntryKind.CLOSED,
        "console:li",
        "Closed without a review (forced)",
    )
    assert entry.get("forced") == "true"
    chat.clear()
    await tick(app, clock, days=3)
    assert review_messages(chat) == []
