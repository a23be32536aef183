"""Issue 13 points 1, 2 and 9 through the real application: who a page or reminder addresses,
and when, with the scheduler firing timers on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents.messages import Audience, Mention, Message, MessageKind
from incidents.model import EntryKind
from incidents.people import Person
from tests.fakes import RecordingChat
from tests.service.conftest import maintainers, tick
from tests.service.oncall_helpers import ALICE, BOB, oncall_app

TOOL = "api:alertmanager"
MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)  # alice's week; bob's from Mon 09:00
REMINDING = {
    MessageKind.STATUS_REMINDER,
    MessageKind.PHASE_BREACH,
    MessageKind.EXTERNAL_UPDATE_DUE,
    MessageKind.REVIEW_REMINDER,
    MessageKind.REVIEW_OVERDUE,
}


def addressed(message: Message) -> list[Person]:
    """The people a message pings, and its recipient if it is a direct message."""
    people = [part.user for part in message.text if isinstance(part, Mention)]
    return [*people, *([message.recipient] if message.recipient else [])]


async def test_reminders_of_a_tool_declared_incident_go_to_the_paged_primary(
    tmp_path: Path,
) -> None:
    """alertmanager opens a SEV-2: sam (primary, paged) gets the reminders; the tool, none."""
    clock, chat = FakeClock(MONDAY), RecordingChat()
    settings = Settings(database_url=f"sqlite:///{tmp_path}/tool.db")
    app = await build_app(settings, clock=clock, chats=[chat], oncall=maintainers)
    try:
        outcome = await app.service.handle_text(
            "open sev2 Disk 95% on db-3", actor=TOOL, platform="console"
        )
        assert outcome.ok
        await app.dispatcher.deliver_due()
        for _ in range(4):
            await tick(app, clock, minutes=15)
        reminders = [m for m in chat.messages if m.kind is MessageKind.STATUS_REMINDER]
        assert [addressed(m) for m in reminders] == [["console:sam"], ["console:sam"]]
        assert not [m for m in chat.messages if m.kind in REMINDING and TOOL in addressed(m)]
        assert all(m.recipient != TOOL for m in chat.messages)
    finally:
        await app.close()


async def test_a_tool_declared_incident_without_on_call_addresses_nobody(tmp_path: Path) -> None:
    """No rotation, no IC, no ack: the reminder speaks to the channel, never to the tool."""
    clock, chat = FakeClock(MONDAY), RecordingChat()
    settings = Settings(database_url=f"sqlite:///{tmp_path}/alone.db")
    app = await build_app(settings, clock=clock, chats=[chat])
    try:
        await app.service.handle_text("open sev2 Disk 95% on db-3", actor=TOOL, platform="console")
        await app.dispatcher.deliver_due()
        await tick(app, clock, minutes=30)
        (reminder,) = [m for m in chat.messages if m.kind is MessageKind.STATUS_REMINDER]
        assert addressed(reminder) == []
        assert reminder.plain_text().startswith("⏰ No status update for 30 min.")
        breach = next(m for m in chat.messages if m.kind is MessageKind.PHASE_BREACH)
        assert addressed(breach) == []
    finally:
        await app.close()


async def test_an_after_hours_sev3_pages_whoever_is_primary_at_the_next_opening(
    tmp_path: Path,
) -> None:
    """Declared Friday 18:00 in alice's week, nothing pages or reminds over the weekend; at
    Monday 09:00 (after the handoff) bob is paged, and the timeline records that it was bob."""
    clock, chat = FakeClock(FRIDAY_EVENING), RecordingChat()
    app = await oncall_app(tmp_path / "weekend.db", clock, chat)
    try:
        await app.service.handle_text(
            "open sev3 Nightly export is slow", actor="console:maria", platform="console"
        )
        await app.dispatcher.deliver_due()
        chat.clear()
        while clock.now() < datetime(2026, 12, 7, 8, 30, tzinfo=UTC):
            await tick(app, clock, minutes=30)
        weekend = [m.kind for m in chat.messages if m.incident == 1]
        assert MessageKind.STATUS_REMINDER not in weekend
        assert MessageKind.PAGE not in weekend
        await tick(app, clock, minutes=30)  # Monday 09:00: the handoff, then the page
        pages = [m for m in chat.messages if m.kind is MessageKind.PAGE]
        assert [(m.audience, m.recipient) for m in pages] == [(Audience.DIRECT, BOB)]
        reminder = next(m for m in chat.messages if m.kind is MessageKind.STATUS_REMINDER)
        assert addressed(reminder) == [BOB]
        incident = await app.service.load(1)
        assert incident is not None
        assert incident.oncall is not None
        assert incident.oncall.primary == BOB
        paged = [e for e in incident.timeline if e.kind is EntryKind.ESCALATED]
        assert [(e.text, e.get("user")) for e in paged] == [("Paged @bob (primary)", BOB)]
        assert ALICE not in {m.recipient for m in pages}
    finally:
        await app.close()
