"""Durable timers through the real store with a fake clock: reminders, escalation, downtime."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.scheduler import Scheduler
from tests.fakes import RecordingChat
from tests.service.conftest import T0, say, tick


async def test_status_reminder_every_30_minutes(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """No update for 30 min → a reminder mentioning the IC; the next one 30 min later."""
    await say(app, "open sev2 Search slow")
    await say(app, "ic 1 @sam")
    chat.clear()
    await tick(app, clock, minutes=29, seconds=59)
    assert "status_reminder" not in chat.kinds()
    await tick(app, clock, seconds=1)
    reminders = [m for m in chat.messages if m.kind == "status_reminder"]
    assert len(reminders) == 1
    assert "no status update for 30 min" in reminders[0].plain_text()
    assert "@sam" in reminders[0].plain_text()
    await tick(app, clock, minutes=30)
    assert chat.kinds().count("status_reminder") == 2


async def test_update_resets_the_reminder(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """A status update at 20 min moves the reminder to 50 min."""
    await say(app, "open sev2 Search slow")
    clock.advance(minutes=20)
    await say(app, "status 1 Found it")
    chat.clear()
    await tick(app, clock, minutes=29)
    assert "status_reminder" not in chat.kinds()
    await tick(app, clock, minutes=1)
    assert chat.kinds().count("status_reminder") == 1


async def test_missed_reminders_fire_once_after_downtime(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Down for 2 h: the reminder missed four times fires once on return, then on cadence."""
    await say(app, "open sev2 Flaky export")  # round the clock: on the 30-minute grid
    chat.clear()
    await tick(app, clock, hours=2, minutes=5)
    assert chat.kinds().count("status_reminder") == 1
    chat.clear()
    await tick(app, clock, minutes=24)
    assert chat.kinds().count("status_reminder") == 0
    await tick(app, clock, minutes=1)
    assert chat.kinds().count("status_reminder") == 1


async def test_reminders_stop_at_resolution(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """After resolve, no more status reminders."""
    await say(app, "open sev2 Search slow")
    await say(app, "resolve 1 Fixed")
    chat.clear()
    await tick(app, clock, hours=3)
    assert "status_reminder" not in chat.kinds()


async def test_escalation_primary_backup_everyone(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """SEV-1 unacknowledged: backup paged at 15 min, everyone at 30 min."""
    await say(app, "open sev1 Checkout failing")
    chat.clear()
    await tick(app, clock, minutes=15)
    pages = [m for m in chat.messages if m.kind == "page"]
    assert [m.recipient for m in pages] == ["console:li"]
    await tick(app, clock, minutes=15)
    escalations = [m.plain_text() for m in chat.messages if m.kind == "escalation"]
    assert any("Paging everyone on maintainers" in text for text in escalations)
    assert any(text.startswith("@here") for text in escalations)


async def test_ack_stops_escalation(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """Acknowledged at 5 min: nobody else is paged."""
    await say(app, "open sev1 Checkout failing")
    clock.advance(minutes=5)
    await say(app, "ack 1")
    chat.clear()
    await tick(app, clock, hours=1)
    assert "escalation" not in chat.kinds()
    assert "page" not in chat.kinds()


async def test_response_breach_after_target(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """SEV-2 not acknowledged in 4 h: a breach in the incident and on-call channels."""
    await say(app, "open sev2 Search slow")
    chat.clear()
    await tick(app, clock, hours=4)
    breaches = [m for m in chat.messages if m.kind == "response_breach"]
    assert {m.audience.value for m in breaches} == {"incident", "oncall"}


async def test_severity_change_retargets(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """SEV-3 raised to SEV-0 at 20 min: the 15-min target is already missed, so it breaches."""
    await say(app, "open sev3 Odd latency")
    clock.advance(minutes=20)
    await say(app, "sev 1 sev0")
    chat.clear()
    await tick(app, clock, seconds=1)
    assert "response_breach" in chat.kinds()


async def test_restart_neither_skips_nor_repeats(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Timers live in the store: a second app on the same database fires each one once."""
    from bot.bootstrap import build_app

    await say(app, "open sev2 Search slow")
    chat.clear()
    clock.advance(minutes=31)
    other_chat = type(chat)()
    other = await build_app(app.settings, clock=clock, chats=[other_chat])
    try:
        fired_there = await other.scheduler.fire_due()
        fired_here = await app.scheduler.fire_due()
    finally:
        await other.close()
    assert fired_there >= 1
    assert fired_here == 0
    incident = await app.service.load(1)
    assert incident is not None
    assert [e.kind.value for e in incident.timeline].count("reminder") == 1


async def test_run_loop_fires_on_time(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """The loop sleeps until the next due timer and fires it when the clock gets there."""
    await say(app, "open sev3 Flaky export")
    chat.clear()
    loops = [asyncio.create_task(app.scheduler.run()), asyncio.create_task(app.dispatcher.run())]
    try:
        for _ in range(50):
            await asyncio.sleep(0)
        clock.set(T0.replace(minute=30))
        await chat.until(lambda: "status_reminder" in chat.kinds(), "the status reminder")
        assert chat.kinds().count("status_reminder") == 1
    finally:
        app.scheduler.stop()
        app.dispatcher.stop()
        await asyncio.gather(*loops)


async def test_jobs_fire_once_and_reschedule(app: App, clock: FakeClock) -> None:
    """A registered job fires when due, once, and runs again when its handler says."""
    calls: list[str] = []

    async def handoff(uow: object, name: str, due: object, now: object) -> object:
        calls.append(name)
        return clock.now() + timedelta(days=7)

    scheduler = Scheduler(
        store=app.store,
        service=app.service,
        clock=clock,
        jobs={"handoff": handoff},  # type: ignore[dict-item]
    )
    async with app.store.transaction() as uow:
        await uow.schedule_job("handoff:maintainers", T0 + timedelta(hours=1))

    async def after(**delta: float) -> None:
        clock.advance(**delta)
        await scheduler.fire_due()

    await after(minutes=59)
    assert calls == []
    await after(minutes=1)
    await after(minutes=1)
    assert calls == ["handoff:maintainers"]
    await after(days=7)
    assert calls == ["handoff:maintainers", "handoff:maintainers"]


async def test_a_scheduler_that_dies_mid_batch_leaves_its_timers_to_another(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """One scheduler claims the due reminder and dies before firing it: nobody fires it
    before the lease ends, another scheduler fires it once after, and the dead one's firing
    (its process only stalled) is refused."""
    await say(app, "open sev2 Search slow")
    clock.advance(minutes=30)
    chat.clear()
    now = clock.now()
    claims = await app.store.claim_due_timers(now, now + timedelta(seconds=30), 10, holder="dead:1")
    assert {claim.incident for claim in claims} == {1}
    assert await app.scheduler.fire_due() == 0  # claimed elsewhere, lease not over
    clock.advance(seconds=31)
    assert await app.scheduler.fire_due() == len(claims)
    assert await app.service.fire_claimed([1], holder="dead:1") == 0
    await app.dispatcher.deliver_due()
    assert chat.kinds().count("status_reminder") == 1
