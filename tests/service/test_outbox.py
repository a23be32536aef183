"""The outbox dispatcher: retries, Retry-After, giving up visibly, and order per incident."""

from __future__ import annotations

from bot.bootstrap import App
from bot.clock import FakeClock
from incidents.ports import DeliveryError
from tests.fakes import RecordingChat
from tests.service.conftest import say


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


async def test_gives_up_after_max_attempts(app: App, clock: FakeClock, chat: RecordingChat) -> None:
    """Twelve failures in a row mark the message dead with the last error."""
    chat.failures.extend(DeliveryError(f"timeout {n}") for n in range(12))
    await say(app, "open sev2 Flaky")
    for _ in range(14):
        clock.advance(minutes=6)
        await app.dispatcher.deliver_due()
    items = await app.store.list_outbox(undelivered_only=True, limit=10)
    assert [(i.message.kind, i.attempts, i.last_error) for i in items] == [
        ("summary", 12, "timeout 11")
    ]
