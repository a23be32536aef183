"""The inbox as chat adapters use it (`bot/inbox.py`), on the app's store and fake clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.bootstrap import App
from bot.clock import FakeClock
from bot.inbox import KEEP_DONE, PRUNE_JOB, Inbox
from incidents.ports import InboxEntry


def inbox_of(app: App) -> Inbox:
    """The inbox the composition root gave the chat adapters."""
    assert app.ports.inbox is not None
    return app.ports.inbox


async def test_what_is_recorded_is_in_flight_until_done(app: App, clock: FakeClock) -> None:
    """A recorded command is in flight here and pending in the store, with the clock's time;
    done, it is neither; marking a key this process never took changes nothing."""
    inbox = inbox_of(app)
    assert await inbox.record("slack:command:1", "slack", '{"text": "open"}') is True
    assert inbox.in_flight("slack:command:1")
    [entry] = await app.store.pending_commands("slack", 10)
    assert (entry.key, entry.command, entry.received_at) == (
        "slack:command:1",
        '{"text": "open"}',
        clock.now(),
    )
    await inbox.done("slack:command:1")
    await inbox.done("slack:command:elsewhere")
    assert not inbox.in_flight("slack:command:1")
    assert await app.store.pending_commands("slack", 10) == []


async def test_taking_back_skips_what_this_process_has_in_flight(app: App) -> None:
    """At start, only what an earlier process left is taken back, once; what this process
    recorded meanwhile is not."""
    left = InboxEntry(
        key="discord:1", platform="discord", command="{}", received_at=app.clock.now()
    )
    await app.store.record_command(left)
    inbox = inbox_of(app)
    await inbox.record("discord:2", "discord", "{}")
    assert [entry.key for entry in await inbox.take_back("discord")] == ["discord:1"]
    assert inbox.in_flight("discord:1")
    assert await inbox.take_back("discord") == []


async def test_store_faults_refuse_the_command_and_do_not_escape(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """A failed write answers False (the adapter then refuses the command), a failed mark or
    read only logs: the command stays pending for the next start."""

    async def broken(*args: object) -> None:
        raise OSError("database is locked")

    inbox = inbox_of(app)
    await inbox.record("slack:command:2", "slack", "{}")
    app.store.record_command = broken  # type: ignore[assignment]
    app.store.command_done = broken  # type: ignore[method-assign]
    app.store.pending_commands = broken  # type: ignore[assignment]
    assert await inbox.record("slack:command:3", "slack", "{}") is False
    assert not inbox.in_flight("slack:command:3")
    await inbox.done("slack:command:2")
    assert await inbox.take_back("slack") == []
    assert "could not record slack:command:3" in caplog.text
    assert "could not mark slack:command:2 done" in caplog.text


async def test_the_daily_job_forgets_commands_done_long_ago(app: App, clock: FakeClock) -> None:
    """`inbox:prune` is scheduled at start and deletes what was done more than KEEP_DONE ago."""
    inbox = inbox_of(app)
    await inbox.record("slack:command:old", "slack", "{}")
    await inbox.done("slack:command:old")
    await inbox.record("slack:command:open", "slack", "{}")
    async with app.store.transaction() as uow:
        due = await uow.job_due(PRUNE_JOB)
    assert due is not None
    clock.advance(seconds=(KEEP_DONE + timedelta(hours=1)).total_seconds())
    await app.scheduler.fire_due()
    async with app.store.transaction() as uow:
        assert await uow.job_due(PRUNE_JOB) == clock.now() + timedelta(days=1)
    assert await app.store.prune_commands(clock.now()) == 0  # the job left nothing done behind
    assert [e.key for e in await app.store.pending_commands("slack", 10)] == ["slack:command:open"]


async def test_work_waits_for_the_commands_being_written_down(app: App) -> None:
    """`acknowledged_first` returns once no write is under way (written or failed), and at
    the latest after its bound, so a steady stream of commands never starves the work."""
    inbox = inbox_of(app)
    inbox.acks_first = 60.0
    written = asyncio.Event()
    record = app.store.record_command

    async def slow(entry: InboxEntry) -> bool:
        await written.wait()
        if entry.key.endswith("broken"):
            raise OSError("disk I/O error")
        return await record(entry)

    app.store.record_command = slow  # type: ignore[method-assign]
    await inbox.acknowledged_first()  # nothing being written: at once
    writes = [
        asyncio.create_task(inbox.record(f"slack:command:{name}", "slack", "{}"))
        for name in ("ok", "broken")
    ]
    waiting = asyncio.create_task(inbox.acknowledged_first())
    for _ in range(10):
        await asyncio.sleep(0)
    assert not waiting.done()
    written.set()
    assert await asyncio.gather(*writes) == [True, False]
    await asyncio.wait_for(waiting, 10)
    written.clear()
    stuck = asyncio.create_task(inbox.record("slack:command:stuck", "slack", "{}"))
    await asyncio.sleep(0)
    inbox.acks_first = 0.0
    await asyncio.wait_for(inbox.acknowledged_first(), 10)  # bounded: the work goes on
    assert not stuck.done()
    written.set()
    assert await stuck is True
