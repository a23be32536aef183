"""Reminders, warnings, breaches and escalation posted to Discord with a fake clock."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from tests.adapters.discord.conftest import deliver, open_incident, run
from tests.adapters.discord.standin import StandIn


async def tick(app: App, clock: FakeClock, **delta: float) -> int:
    """Advance the fake clock, fire what is due, deliver it."""
    clock.advance(**delta)
    fired = await app.scheduler.fire_due()
    await deliver(app)
    return fired


async def test_status_reminders_ping_the_commander_and_stop_at_resolution(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """Every 30 min without an update the channel is reminded, pinging the IC; not after resolve."""
    channel = await open_incident(app, discord)
    await run(app, discord, "ack", channel)
    await run(app, discord, "ic", channel, user={"user": "li"})
    await tick(app, clock, minutes=30)
    reminders = [s for s in discord.posts(channel) if "no status update for 30 min" in s.text]
    assert len(reminders) == 1
    assert reminders[0].pinged["users"] == [str(discord.uid("li"))]
    await run(app, discord, "resolve", channel, summary="Fixed")
    posted = len(discord.posts(channel))
    await tick(app, clock, minutes=30)
    await tick(app, clock, minutes=30)
    assert not any("no status update" in s.text for s in discord.posts(channel)[posted:])


async def test_unacknowledged_pages_escalate_to_backup_then_here(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """SEV-1: backup paged at 15 min (DM), everyone at 30 min with @here in the on-call channel."""
    channel = await open_incident(app, discord)
    await tick(app, clock, minutes=15)
    assert any("You are paged" in s.text for s in discord.dms("li"))
    await tick(app, clock, minutes=15)
    oncall = discord.posts(discord.oncall)
    assert len(oncall) == 1
    assert oncall[0].content.startswith("@here")
    assert oncall[0].pinged["everyone"] is True
    in_channel = [s for s in discord.posts(channel) if "Paging everyone" in s.text]
    assert in_channel
    assert in_channel[0].pinged["everyone"] is False
    assert set(in_channel[0].pinged["users"]) == {str(discord.uid(n)) for n in ("sam", "li", "ana")}


async def test_warnings_and_breaches_are_posted_in_the_channel(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """The phase window warning at 80 % and the breach at its end reach the incident channel."""
    channel = await open_incident(app, discord)
    await run(app, discord, "ack", channel)
    await run(app, discord, "status", channel, text="Looking")
    await tick(app, clock, minutes=12)
    await tick(app, clock, minutes=3)
    texts = [s.text for s in discord.posts(channel)]
    assert any(text.startswith("⚠️ Detection window ends at 14:15 UTC") for text in texts), texts
    assert any(text.startswith("🚨 ") for text in texts), texts
