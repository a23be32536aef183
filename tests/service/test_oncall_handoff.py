"""The Monday handoff as a durable job: its content, once, the reminder, and after an outage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from incidents.messages import Mention, Message
from tests.fakes import RecordingChat
from tests.service.conftest import say, tick
from tests.service.oncall_helpers import ALICE, BOB, CAROL, WEDNESDAY, dms, in_channel, oncall_app

MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2 Dec 2026 14:00 UTC, in alice's first week."""
    return FakeClock(WEDNESDAY)


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock, chat: RecordingChat) -> AsyncIterator[App]:
    """The app with the maintainers rotation; its handoff jobs are seeded at build."""
    built = await oncall_app(tmp_path / "handoff.db", clock, chat)
    try:
        yield built
    finally:
        await built.close()


async def until(app: App, clock: FakeClock, moment: datetime) -> None:
    """Advance to `moment`, firing everything due on the way."""
    await tick(app, clock, seconds=(moment - clock.now()).total_seconds())


async def a_week_of_incidents(app: App, clock: FakeClock) -> None:
    """Alice's week: a SEV-1 acknowledged in 4 min, and a SEV-2 at night escalated to bob."""
    await until(app, clock, datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    await say(app, "open sev1 Checkout failing", who="maria")
    clock.advance(minutes=4)
    await say(app, "ack 1", who="alice")
    await say(app, "ic 1 @alice", who="alice")
    await say(app, "action 1 Add an alert on 502s @alice", who="alice")
    await say(app, "action 1 Canary the deploys", who="alice")
    await say(app, "action 1 done 2", who="alice")
    await say(app, "resolve 1 Rolled back", who="alice")
    await until(app, clock, datetime(2026, 12, 4, 23, 30, tzinfo=UTC))
    await say(app, "open sev2 Search latency in EU", who="maria")
    await until(app, clock, datetime(2026, 12, 5, 0, 40, tzinfo=UTC))
    await say(app, "ack 2", who="bob")
    await say(app, "ic 2 @bob", who="bob")
    for phase in ("triage", "investigation", "mitigation"):
        await say(app, f"phase 2 {phase}", who="bob")


async def test_the_handoff_message_says_who_what_is_open_and_how_the_shift_went(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """At Monday 09:00 the channel gets one handoff: people, open incidents, last shift,
    action items; the incoming primary and backup get a DM."""
    await a_week_of_incidents(app, clock)
    chat.clear()
    await until(app, clock, MONDAY_9)
    [handoff] = in_channel(chat, "handoff")
    assert handoff.title == "🔁 On-call handoff · maintainers · week of Mon 7 Dec"
    assert handoff.rotation == "maintainers"
    text = handoff.plain_text()
    lines = text.splitlines()
    assert lines[0] == "Primary @bob ← @alice   Backup @carol ← @bob"
    assert lines[1] == "Until Mon 14 Dec 09:00 UTC."
    assert lines[2] == "Open incidents (2):"
    assert lines[3] == "  🔴 SEV-1 #1 Checkout failing · resolution · IC @alice · open 3 d 23 h"
    assert lines[4] == "  🟠 SEV-2 #2 Search latency in EU · mitigation · IC @bob · open 2 d 9 h"
    assert lines[5] == (
        "Last shift: 3 pages (2 at night), 2 incidents (SEV-1 ×1, SEV-2 ×1); "
        "median time to ack 37 min."
    )
    assert lines[6] == "  #1 SEV-1 Checkout failing · acked in 4 min"
    assert lines[7] == "  #2 SEV-2 Search latency in EU · acked in 1 h 10 min"
    assert lines[8:] == ["Open action items (1):", "  #1 Add an alert on 502s (@alice)"]
    assert [p for p in handoff.text if isinstance(p, Mention)][:4] == [
        Mention(BOB),
        Mention(ALICE),
        Mention(CAROL),
        Mention(BOB),
    ]
    incoming = dms(chat, "handoff_dm")
    assert set(incoming) == {BOB, CAROL}
    assert "You are primary on call for maintainers from now until Mon 14 Dec 09:00 UTC" in (
        incoming[BOB].plain_text()
    )
    await tick(app, clock, minutes=1)
    await tick(app, clock, hours=1)
    assert len(in_channel(chat, "handoff")) == 1


async def test_the_incoming_primary_is_reminded_an_hour_before(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """At 08:00 bob gets a DM that his shift starts in 1 h; nobody else does."""
    await until(app, clock, datetime(2026, 12, 7, 7, 59, tzinfo=UTC))
    chat.clear()
    await tick(app, clock, minutes=1)
    reminders = [m for m in chat.messages if m.kind == "handoff_reminder"]
    assert [m.recipient for m in reminders] == [BOB]
    assert "Your on-call shift starts in 1 h: primary for maintainers" in reminders[0].plain_text()
    assert "Backup: @carol" in reminders[0].plain_text()


async def test_a_bot_down_at_nine_posts_the_handoff_once_on_return_marked_late(
    app: App, tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """Down from Wednesday to Monday 11:30: on restart one handoff, marked late, no stale
    reminder; firing again posts nothing."""
    await app.close()
    clock.set(datetime(2026, 12, 7, 11, 30, tzinfo=UTC))
    restarted = await oncall_app(tmp_path / "handoff.db", clock, chat)
    try:
        await tick(restarted, clock, seconds=0)
        await tick(restarted, clock, seconds=0)
        await tick(restarted, clock, minutes=5)
        [late] = in_channel(chat, "handoff")
        assert late.title is not None
        assert late.title.endswith("· late")
        assert late.plain_text().startswith(
            "⏰ Posted late: the handoff was at Mon 7 Dec 09:00 UTC, 2 h 30 min ago"
        )
        assert "handoff_reminder" not in chat.kinds()
        await until(restarted, clock, datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
        handoffs = in_channel(chat, "handoff")
        assert len(handoffs) == 2
        assert not _late(handoffs[1])
    finally:
        await restarted.close()


def _late(message: Message) -> bool:
    return message.title is not None and message.title.endswith("late")


async def test_two_replicas_post_one_handoff(
    app: App, tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """Two apps on one store both fire at 09:00: the job's row lets one post it."""
    other_chat = RecordingChat()
    other = await oncall_app(tmp_path / "handoff.db", clock, other_chat)
    try:
        clock.set(MONDAY_9)
        for replica in (app, other, app):
            await replica.scheduler.fire_due()
            await replica.dispatcher.deliver_due()
        posted = in_channel(chat, "handoff") + in_channel(other_chat, "handoff")
        assert len(posted) == 1
    finally:
        await other.close()


async def test_seeding_leaves_other_jobs_and_a_due_handoff_alone(
    app: App, tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """A restart keeps unrelated jobs as they were and a handoff that is due stays due."""
    async with app.store.transaction() as uow:
        await uow.schedule_job("other:job", datetime(2027, 1, 1, tzinfo=UTC))
        await uow.schedule_job("handoff:maintainers", datetime(2026, 12, 1, 9, tzinfo=UTC))
    again = await oncall_app(tmp_path / "handoff.db", clock, chat)
    try:
        async with again.store.transaction() as uow:
            assert await uow.job_due("other:job") == datetime(2027, 1, 1, tzinfo=UTC)
            assert await uow.job_due("handoff:maintainers") == datetime(2026, 12, 1, 9, tzinfo=UTC)
            assert await uow.job_due("handoff-reminder:maintainers") == datetime(
                2026, 12, 7, 8, tzinfo=UTC
            )
    finally:
        await again.close()


async def test_a_rotation_removed_from_the_settings_ends_its_jobs(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """A handoff job whose rotation is gone is cancelled when it comes due, posting nothing."""
    app = await oncall_app(tmp_path / "gone.db", clock, chat)
    try:
        async with app.store.transaction() as uow:
            await uow.schedule_job("handoff:retired", WEDNESDAY)
        await tick(app, clock, seconds=1)
        async with app.store.transaction() as uow:
            assert await uow.job_due("handoff:retired") is None
        assert in_channel(chat, "handoff") == []
    finally:
        await app.close()
