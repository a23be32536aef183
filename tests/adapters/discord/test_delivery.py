"""Delivery: 429s and 5xx are delayed never lost or doubled; 403 gives up; odd titles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from tests.adapters.discord.conftest import (
    deliver,
    discord_app,
    discord_settings,
    open_incident,
    start_adapter,
)
from tests.adapters.discord.standin import Failure, StandIn

MESSAGES = "/channels/{channel}/messages"


def summaries(discord: StandIn) -> list:
    """Every summary the bot posted anywhere."""
    return [s for s in discord.sent if s.custom_ids()]


async def test_a_short_429_is_waited_out_and_posted_once(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """A 429 with Via and a small retry_after: discord.py waits and retries; one summary."""
    discord.fail("POST", MESSAGES, Failure(429, retry_after=0.01))
    await open_incident(app, discord)
    assert len(summaries(discord)) == 1
    assert discord.requests.count("POST /api/v10/channels/{channel}/messages") == 4  # 1 retried


async def test_a_long_429_goes_back_to_the_outbox_with_its_retry_after(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """retry_after beyond what discord.py waits: the outbox retries after it; posted once."""
    discord.fail("POST", MESSAGES, Failure(429, retry_after=60))
    await discord.slash("open", severity="SEV-1", title="Checkout is failing")
    await deliver(app)
    assert summaries(discord) == []
    pending = await app.store.list_outbox(undelivered_only=True, limit=10)
    summary = next(item for item in pending if item.message.kind == "summary")
    assert "rate limited for 60.0 s" in (summary.last_error or "")
    assert (summary.next_attempt_at - clock.now()).total_seconds() == 60
    clock.advance(seconds=59)
    await deliver(app)
    assert summaries(discord) == []
    clock.advance(seconds=1)
    await deliver(app)
    assert len(summaries(discord)) == 1
    assert len(discord.posts(discord.announce)) == 1


async def test_a_429_without_via_is_retried_after_retry_after(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """A 429 discord.py will not honour (no Via, e.g. a proxy) comes back as retry_after."""
    discord.fail("POST", MESSAGES, Failure(429, retry_after=7, via=False))
    await discord.slash("open", severity="SEV-2", title="Disk full")
    await deliver(app)
    assert summaries(discord) == []
    clock.advance(seconds=7)
    await deliver(app)
    assert len(summaries(discord)) == 1


async def test_a_5xx_is_retried_and_a_lost_response_does_not_double(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """503 after the message was created (the answer lost): the retry carries the same nonce,
    so Discord returns the first message instead of posting a second."""
    discord.fail("POST", MESSAGES, Failure(503, after=True))
    await discord.slash("open", severity="SEV-1", title="Checkout is failing")
    await deliver(app)
    assert len(summaries(discord)) == 1  # created, but the bot saw a 503
    clock.advance(seconds=1)
    await deliver(app)
    assert len(summaries(discord)) == 1
    assert discord.requests.count("POST /api/v10/channels/{channel}/messages") == 4
    assert await app.store.list_outbox(undelivered_only=True, limit=10) == []


async def test_a_redelivery_after_a_crash_posts_once(
    tmp_path: Path, app: App, clock: FakeClock, discord: StandIn
) -> None:
    """Posted, then the process died before marking it delivered: a new process retries the
    item (attempts 2) and Discord, given the same nonce, returns the first message."""
    first = await start_adapter(app)
    await open_incident(app, discord)
    await first.stop()
    delivered = await app.store.list_outbox(undelivered_only=False, limit=10)
    summary = next(item for item in delivered if item.message.kind == "summary")
    restarted = await discord_app(discord_settings(tmp_path, discord), clock)
    second = await start_adapter(restarted)
    try:
        await second.adapter.deliver(replace(summary, attempts=2, delivered_at=None))
        assert len(summaries(discord)) == 1
    finally:
        await second.stop()
        await restarted.close()


async def test_forbidden_gives_up_visibly_and_blocks_nothing_else(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """A 403 (missing access) is permanent: the item is dead with its error; the rest go on."""
    discord.fail("POST", MESSAGES, Failure(403, code=50001))
    await discord.slash("open", severity="SEV-1", title="Checkout is failing")
    await deliver(app)
    items = await app.store.list_outbox(undelivered_only=False, limit=10)
    dead = [item for item in items if item.dead_at is not None]
    assert [item.message.kind for item in dead] == ["summary"]
    assert "HTTP 403" in (dead[0].last_error or "")
    assert len(discord.posts(discord.announce)) == 1


async def test_an_unauthorized_token_is_retried_not_given_up(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """A 401 (the bot token was reset) is not the message's fault: it waits for a retry
    instead of dying, and goes out once the token works again."""
    discord.fail("POST", MESSAGES, Failure(401))
    await discord.slash("open", severity="SEV-1", title="Checkout is failing")
    await deliver(app)
    items = await app.store.list_outbox(undelivered_only=True, limit=10)
    assert items
    assert all(item.dead_at is None for item in items)
    summary = next(item for item in items if item.message.kind == "summary")
    assert "HTTP 401" in (summary.last_error or "")
    clock.advance(seconds=1)
    await deliver(app)
    assert len(summaries(discord)) == 1


async def test_a_topic_edit_that_is_rate_limited_does_not_fail_the_message(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Discord limits topic edits hard: the update is posted; the topic catches up next time."""
    channel = await open_incident(app, discord)
    discord.fail("PATCH", "/channels/{channel}", Failure(429, retry_after=600, via=False))
    await discord.slash("sev", channel=channel, level="SEV-0")
    await deliver(app)
    assert "Severity raised" in discord.posts(channel)[-1].text
    assert discord.channels[int(channel["id"])]["topic"].startswith("🔴 SEV-1")
    await discord.slash("phase", channel=channel, name="triage")
    await deliver(app)
    assert discord.channels[int(channel["id"])]["topic"].startswith("🔴 SEV-0 · triage")


async def test_odd_titles_give_valid_distinct_channel_names(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Emoji, accents, other scripts, 200 characters, equal titles: lowercase names ≤ 100."""
    titles = [
        "🔥🔥🔥",
        "Zahlungsausfall – Überweisungen hängen",
        "決済が失敗しています",
        "Very long " * 20,
        "DB down",
        "DB down",
    ]
    names = []
    for title in titles:
        channel = await open_incident(app, discord, title=title.strip())
        names.append(channel["name"])
    assert names[:3] == ["inc-1", "inc-2-zahlungsausfall-uberweisungen-hangen", "inc-3"]
    assert names[3].startswith("inc-4-very-long-very-long")
    assert len(names[3]) <= 100
    assert names[4:] == ["inc-5-db-down", "inc-6-db-down"]
    assert all(name == name.lower() and len(name) <= 100 for name in names)


async def test_a_category_given_by_id_is_used_as_is(
    tmp_path: Path, clock: FakeClock, discord: StandIn
) -> None:
    """SEVBOT_DISCORD_INCIDENT_CATEGORY as an id: channels go there; nothing is created."""
    category = await discord.add_channel("On fire", kind=4)
    settings = discord_settings(tmp_path, discord, discord_incident_category=category["id"])
    app = await discord_app(settings, clock)
    running = await start_adapter(app)
    try:
        channel = await open_incident(app, discord)
        assert channel["parent_id"] == category["id"]
        assert [c["name"] for c in discord.channels.values() if c["type"] == 4] == ["On fire"]
    finally:
        await running.stop()
        await app.close()


async def test_without_an_announce_channel_announcements_are_skipped(
    tmp_path: Path, clock: FakeClock, discord: StandIn
) -> None:
    """No SEVBOT_DISCORD_ANNOUNCE_CHANNEL: the incident still opens; nothing is left pending."""
    settings = discord_settings(tmp_path, discord, discord_announce_channel=None)
    app = await discord_app(settings, clock)
    running = await start_adapter(app)
    try:
        await open_incident(app, discord)
        assert discord.posts(discord.announce) == []
        assert await app.store.list_outbox(undelivered_only=True, limit=10) == []
    finally:
        await running.stop()
        await app.close()
