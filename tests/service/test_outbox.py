"""The outbox dispatcher: retries, Retry-After, giving up visibly, and order per incident."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from incidents.model import EntryKind
from incidents.ports import DeliveryError, StoreUnavailable
from tests.fakes import RecordingChat
from tests.service.conftest import T0, say, tick


class JumpingClock(FakeClock):
    """A fake clock that can also jump back, as a system clock does when NTP corrects it."""

    def back(self, **delta: float) -> datetime:
        """Move time back by a timedelta's keyword arguments."""
        self._now -= timedelta(**delta)
        return self._now


async def test_rate_limit_delays_and_delivers_once(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """A 429 with Retry-After 7 s holds the message 7 s, then it is delivered exactly once."""
    chat.failures.append(DeliveryError("429 rate limited", retry_after=7))
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    await app.dispatcher.deliver_due()
    assert chat.delivered == []
    clock.advance(seconds=6)
    await app.dispatcher.deliver_due()
    assert chat.delivered == []
    clock.advance(seconds=1)
    await app.dispatcher.deliver_due()
    assert chat.kinds() == ["summary", "page", "announcement"]
    assert len({item.id for item in chat.delivered}) == 3


async def test_order_within_an_incident_survives_failures(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """While the first message of an incident is retried, later ones wait behind it."""
    chat.failures.extend([DeliveryError("503"), DeliveryError("503")])
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    for _ in range(4):
        await app.dispatcher.deliver_due()
        clock.advance(seconds=5)
    assert chat.kinds() == ["summary", "page", "announcement"]


async def test_failing_message_is_kept_and_visible(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """A permanent failure is not retried, is kept with its error, and frees the rest."""
    chat.failures.append(DeliveryError("channel_not_found", permanent=True))
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    await app.dispatcher.deliver_due()
    assert chat.kinds() == ["page", "announcement"]
    dead = await app.store.list_outbox(undelivered_only=True, limit=10)
    assert [(item.message.kind, item.last_error) for item in dead] == [
        ("summary", "channel_not_found")
    ]
    assert dead[0].dead_at is not None
    assert (await app.store.outbox_counts()) == {"delivered": 2, "dead": 1}


async def test_unknown_platform_backs_off(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """A message for a platform with no adapter is retried with backoff, not lost."""
    await app.service.handle_text("open sev2 Flaky", actor="slack:U1", platform="slack")
    await app.dispatcher.deliver_due()
    pending = await app.store.list_outbox(undelivered_only=True, limit=10)
    assert pending
    assert all("no chat adapter" in (item.last_error or "") for item in pending if item.attempts)


async def test_gives_up_only_after_the_give_up_time(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Failures retry with backoff (capped at 5 min) for 24 h, however many; then the message
    is dead with its last error."""
    chat.failures.extend(DeliveryError(f"timeout {n}") for n in range(400))
    await say(app, "open sev2 Flaky")
    for _ in range(23 * 12):  # 23 h in 5-min steps
        clock.advance(minutes=5)
        await app.dispatcher.deliver_due()
    [waiting] = [
        item
        for item in await app.store.list_outbox(undelivered_only=True, limit=10)
        if item.attempts
    ]
    assert (waiting.message.kind, waiting.dead_at, waiting.attempts > 200) == (
        "summary",
        None,
        True,
    )
    for _ in range(13):
        clock.advance(minutes=5)
        await app.dispatcher.deliver_due()
    items = await app.store.list_outbox(undelivered_only=True, limit=10)
    # Those behind it are as old: each has its one attempt, and fails, and is given up too.
    assert all(item.dead_at is not None for item in items)
    assert [str(item.last_error)[:7] for item in items] == ["timeout"] * 3


async def test_the_give_up_time_is_a_setting(tmp_path: Path, clock: FakeClock) -> None:
    """SEVBOT_OUTBOX_GIVE_UP (default 24 h) sets when a failing message is given up on."""
    assert Settings().outbox_give_up == timedelta(hours=24)
    chat = RecordingChat()
    chat.failures.extend(DeliveryError("503") for _ in range(100))
    settings = Settings(database_url=f"sqlite:///{tmp_path}/g.db", outbox_give_up="10m")
    app = await build_app(settings, clock=clock, chats=[chat])
    try:
        await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
        for _ in range(9):
            clock.advance(minutes=1)
            await app.dispatcher.deliver_due()
        assert await app.store.outbox_counts() == {"pending": 2}  # summary, announcement
        for _ in range(6):  # the 5-min backoff may take it past 10 min before it is tried
            clock.advance(minutes=1)
            await app.dispatcher.deliver_due()
        dead = await app.store.list_outbox(undelivered_only=True, limit=10)
        assert "summary" in [item.message.kind for item in dead if item.dead_at is not None]
    finally:
        await app.close()


async def test_a_long_rate_limit_storm_loses_nothing(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """200 rate limits in a row (Retry-After 1 s) give nothing up; once the platform accepts,
    every message goes out once, in order, and the attempts did not count as failures."""
    chat.failures.extend(DeliveryError("429", retry_after=1) for _ in range(200))
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    for _ in range(200):
        await app.dispatcher.deliver_due()
        clock.advance(seconds=1)
    await app.dispatcher.deliver_due()
    assert chat.kinds() == ["summary", "page", "announcement"]
    delivered = await app.store.list_outbox(undelivered_only=False, limit=10)
    head = next(item for item in delivered if item.message.kind == "summary")
    assert (head.rate_limits, head.failures) == (200, 1)  # the one that counts: delivery


async def test_rate_limits_do_not_lengthen_the_backoff(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """After 30 rate limits, an ordinary failure backs off 1 s (its first), not 5 min."""
    chat.failures.extend(DeliveryError("429", retry_after=1) for _ in range(30))
    chat.failures.append(DeliveryError("503"))
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    for _ in range(31):
        await app.dispatcher.deliver_due()
        clock.advance(seconds=1)
    await app.dispatcher.deliver_due()
    assert chat.kinds() == ["summary", "page", "announcement"]


async def test_a_given_up_message_can_be_sent_again(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """revive_outbox (`sevbot outbox retry`) makes a dead message due: it is delivered, and its
    24 h start again from the retry, so one more failure does not give it up at once."""
    chat.failures.append(DeliveryError("channel_not_found", permanent=True))
    await say(app, "open sev2 Flaky")
    [dead] = await app.store.list_outbox(undelivered_only=True, limit=10)
    clock.advance(hours=30)
    async with app.store.transaction() as uow:
        assert await uow.revive_outbox(None, clock.now()) == [dead.id]
    chat.failures.append(DeliveryError("503"))
    await app.dispatcher.deliver_due()
    assert await app.store.outbox_counts() == {"delivered": 2, "pending": 1}
    clock.advance(seconds=2)  # its second failure that counts: 2 s
    await app.dispatcher.deliver_due()
    assert chat.kinds() == ["page", "announcement", "summary"]


async def test_messages_of_an_incident_go_out_by_id_after_the_clock_went_back(
    tmp_path: Path,
) -> None:
    """Messages written at 15:00 are not held when the clock jumps back to 14:00: the
    incident's messages go out at once, in the order they were created."""
    clock = JumpingClock(T0 + timedelta(hours=1))
    chat = RecordingChat()
    app = await build_app(
        Settings(database_url=f"sqlite:///{tmp_path}/j.db"), clock=clock, chats=[chat]
    )
    try:
        chat.failures.append(DeliveryError("503"))
        await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
        await app.dispatcher.deliver_due()  # the summary waits 1 s for its retry
        clock.back(hours=1)
        await app.service.handle_text(
            "status 1 Rolled back", actor="console:sam", platform="console"
        )
        await app.dispatcher.deliver_due()
        assert chat.kinds() == ["summary", "announcement", "status_update"]
    finally:
        await app.close()


async def test_a_starting_dispatcher_takes_back_what_a_killed_process_held(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """Items claimed by a process that died (lease still running) are delivered as soon as a
    new dispatcher starts on the SQLite file, not when the lease ends."""
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    now = clock.now()
    held = await app.store.claim_outbox(now, now + timedelta(seconds=15), 10, sender="killed")
    assert len(held) == 1  # the summary; the rest wait behind it
    await app.dispatcher.deliver_due()
    assert chat.delivered == []
    loop = asyncio.create_task(app.dispatcher.run())
    try:
        await chat.until(lambda: len(chat.delivered) == 3, "the three held-back messages")
    finally:
        app.dispatcher.stop()
        await loop
    assert chat.kinds() == ["summary", "page", "announcement"]
    assert clock.now() == now  # no lease ran out


async def test_reminders_that_piled_up_go_out_once_in_the_current_wording(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """While the incident's channel cannot be posted to, status reminders pile up; when it can,
    one reminder goes out, saying how long it has really been, not a burst of stale ones."""
    await say(app, "open sev2 Flaky")
    await say(app, "ack 1")
    await say(app, "status 1 Looking")
    chat.clear()
    chat.failures.extend(DeliveryError("503") for _ in range(10_000))
    for _ in range(4):
        await tick(app, clock, minutes=31)
    timeline = (await app.service.load(1)).timeline  # type: ignore[union-attr]
    assert sum(entry.kind is EntryKind.REMINDER for entry in timeline) >= 4
    chat.failures.clear()
    clock.advance(minutes=5)
    await app.dispatcher.deliver_due()
    reminders = [m for m in chat.messages if m.kind == "status_reminder"]
    assert len(reminders) == 1
    assert "no status update for 2 h" in reminders[0].plain_text()


async def mark_dropped_once(app: App) -> list[int]:
    """Open an incident and run a round whose first mark the store drops (the connection cut
    while it writes): the round fails as a store fault. Later marks yield once before they
    are written, so another round can run meanwhile. Returns the dropped item's id, in a list."""
    mark = app.store.mark_delivered
    dropped: list[int] = []

    async def drops_once(item_id: int, now: datetime) -> None:
        if not dropped:
            dropped.append(item_id)
            raise StoreUnavailable("PostgreSQL at db:5432", "connection lost", committed=None)
        await asyncio.sleep(0)
        await mark(item_id, now)

    app.store.mark_delivered = drops_once  # type: ignore[method-assign]
    await app.service.handle_text("open sev2 Flaky", actor="console:sam", platform="console")
    with pytest.raises(StoreUnavailable):
        await app.dispatcher.deliver_due()
    return dropped


async def test_a_delivery_whose_mark_the_store_dropped_is_not_delivered_again(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """The connection drops while the store writes that a message was delivered: the round
    fails as a store fault, the next round writes the mark first, and the message is not
    delivered again, even though its claim's lease has ended meanwhile."""
    assert len(await mark_dropped_once(app)) == 1
    clock.advance(minutes=5)  # past the claim's lease: the item can be claimed again
    await app.dispatcher.deliver_due()
    assert chat.kinds() == ["summary", "page", "announcement"]
    assert chat.attempts == 3  # the summary was not handed to the chat a second time
    assert await app.store.list_outbox(undelivered_only=True, limit=10) == []


async def test_two_rounds_at_once_share_the_marks_owed(
    app: App, clock: FakeClock, chat: RecordingChat
) -> None:
    """A console runs rounds beside the run loop's: both may find the same mark owed after a
    dropped connection; each message still reaches the chat once, and both rounds end well."""
    await mark_dropped_once(app)
    clock.advance(minutes=5)
    await asyncio.gather(app.dispatcher.deliver_due(), app.dispatcher.deliver_due())
    assert chat.kinds() == ["summary", "page", "announcement"]
    assert chat.attempts == 3
    assert await app.store.list_outbox(undelivered_only=True, limit=10) == []
