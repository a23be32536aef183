"""Action items across incidents: the open list for the handoff, and the weekly nag to owners."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.review.actions import NAG_JOB, next_nag_at, open_action_items
from incidents.messages import Audience, Message
from incidents.phase import Phase
from tests.fakes import RecordingChat
from tests.service.conftest import T0, maintainers, say

NEXT_MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def two_incidents_with_items(app: App) -> None:
    """#1 (SEV-2, closed) and #2 (SEV-3, open), with items for sam, ana and nobody."""
    await say(app, "/incident open sev2 Search is slow", who="maria")
    await say(app, "/incident ic 1 @li", who="li")  # li leads #1: resolve and close are a lead's
    await say(app, "/incident action 1 Add a p99 alert on search @sam", who="li")
    await say(app, "/incident action 1 Shard the index", who="li")
    await say(app, "/incident action 1 Write the reindex runbook @ana", who="li")
    await say(app, "/incident resolve 1 Reindexed", who="li")
    await say(app, "/incident close 1", who="li")
    await say(app, "/incident open sev3 Nightly export is flaky", who="maria")
    await say(app, "/incident action 2 Retry the export upload @sam", who="li")


def nags(chat: RecordingChat) -> list[Message]:
    """The weekly action-item DMs delivered so far."""
    return [m for m in chat.messages if m.kind == "action_items_nag"]


async def fire_at(app: App, clock: FakeClock, moment: datetime) -> None:
    """Jump the fake clock to `moment`, run what is due and deliver."""
    clock.set(moment)
    await app.scheduler.fire_due()
    await app.dispatcher.deliver_due()


def test_the_nag_comes_on_the_next_monday_at_nine_utc() -> None:
    """next_nag_at is the first Monday 09:00 UTC strictly after now."""
    assert next_nag_at(T0) == NEXT_MONDAY
    assert next_nag_at(NEXT_MONDAY) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert next_nag_at(datetime(2026, 11, 30, 8, 59, tzinfo=UTC)) == NEXT_MONDAY


async def test_open_action_items_span_incidents_closed_ones_too(app: App, clock: FakeClock) -> None:
    """The handoff's list: every item not done, by incident then number, closed incidents too."""
    await two_incidents_with_items(app)
    await say(app, "/incident action 1 done 3", who="ana")
    async with app.store.transaction() as uow:
        listed = await open_action_items(uow, clock.now())
    assert [(incident.number, item.number, item.owner) for incident, item in listed] == [
        (1, 1, "console:sam"),
        (1, 2, None),
        (2, 1, "console:sam"),
    ]
    assert listed[0][0].phase is Phase.CLOSED


async def test_items_can_be_added_and_done_after_closing(app: App, chat: RecordingChat) -> None:
    """A closed incident still takes action items and their completion; other changes are refused."""
    await two_incidents_with_items(app)
    await say(app, "/incident action 1 Review the alert thresholds @li", who="ana")
    await say(app, "/incident action 1 done 1", who="sam")
    refused = await say(app, "/incident note 1 too late", who="sam")
    assert refused.startswith("#1 is closed.")
    incident = await app.service.load(1)
    assert incident is not None
    assert [(i.number, i.done_at is not None) for i in incident.action_items] == [
        (1, True),
        (2, False),
        (3, False),
        (4, False),
    ]


async def test_the_job_is_seeded_at_start_up_and_kept_on_restart(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """build_app schedules nag:actions for next Monday; a later start does not move it."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/n.db")
    first = await build_app(settings, clock=clock, chats=[chat])
    async with first.store.transaction() as uow:
        assert await uow.job_due(NAG_JOB) == NEXT_MONDAY
    await first.close()
    clock.advance(days=3)
    second = await build_app(settings, clock=clock, chats=[chat])
    try:
        async with second.store.transaction() as uow:
            assert await uow.job_due(NAG_JOB) == NEXT_MONDAY
    finally:
        await second.close()


async def test_owners_get_one_dm_a_week_until_done(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Each owner gets one DM listing their open items across incidents, weekly, until done."""
    await two_incidents_with_items(app)
    chat.clear()
    await fire_at(app, clock, datetime(2026, 11, 30, 8, 59, tzinfo=UTC))
    assert nags(chat) == []
    await fire_at(app, clock, NEXT_MONDAY)
    ana, sam = nags(chat)
    assert (ana.audience, ana.recipient) == (Audience.DIRECT, "console:ana")
    assert ana.plain_text() == (
        "☑️ You have 1 open action item:\n"
        "• #1 Search is slow · 3. Write the reindex runbook (open 6 d 19 h)\n"
        "When one is done: `/incident action <incident> done <item>`, "
        "e.g. `/incident action 1 done 3`."
    )
    assert sam.recipient == "console:sam"
    assert "You have 2 open action items:" in sam.plain_text()
    assert "• #1 Search is slow · 1. Add a p99 alert on search" in sam.plain_text()
    assert "• #2 Nightly export is flaky · 1. Retry the export upload" in sam.plain_text()
    assert "Shard the index" not in ana.plain_text() + sam.plain_text()  # no owner: no DM
    await say(app, "/incident action 1 done 3", who="ana")
    await say(app, "/incident action 1 done 1", who="sam")
    chat.clear()
    await fire_at(app, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    (only,) = nags(chat)
    assert only.recipient == "console:sam"
    assert "You have 1 open action item:" in only.plain_text()
    assert "Retry the export upload" in only.plain_text()
    assert app.metrics is not None
    sent = app.metrics.reminders_sent.value(kind="action_items")
    assert sent == 3


async def test_the_nag_fires_once_across_replicas(tmp_path: Path, clock: FakeClock) -> None:
    """Two processes on one store: each owner still gets exactly one DM."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/r.db")
    chats = [RecordingChat(), RecordingChat()]
    replicas = [
        await build_app(settings, clock=clock, chats=[chat], oncall=maintainers) for chat in chats
    ]
    try:
        await two_incidents_with_items(replicas[0])
        clock.set(NEXT_MONDAY)
        for replica in (*replicas, *replicas):
            await replica.scheduler.fire_due()
            await replica.dispatcher.deliver_due()
        recipients = sorted(m.recipient or "" for chat in chats for m in nags(chat))
        assert recipients == ["console:ana", "console:sam"]
    finally:
        for replica in replicas:
            await replica.close()
