"""Only the bot's intended mentions ping: user text can never reach @everyone, @here or roles."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from tests.adapters.discord.conftest import deliver, open_incident, run
from tests.adapters.discord.standin import StandIn

ROLE = "1399999999999999999"


async def test_hostile_text_pings_nobody_it_names(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """A title, note and status full of @everyone, @here, role and user mentions: every post
    carries allowed_mentions, nobody named in the text is pinged, only the bot's mentions are."""
    eve = discord.uid("eve")  # not on call: nothing the bot says is meant for her
    hostile = f"@everyone @here <@&{ROLE}> <@{eve}> <@!{eve}> db down"
    await discord.slash("open", severity="SEV-1", title=hostile)
    await deliver(app)
    channel = discord.channel_named("inc-1")
    assert channel["name"] == "inc-1-everyone-here-" + f"{ROLE}-{eve}-{eve}-db-down"
    await run(app, discord, "note", channel, text=hostile)
    await run(app, discord, "status", channel, text=hostile, external=True)
    await run(app, discord, "action", channel, text=hostile, owner={"user": "li"})
    clock.advance(minutes=30)
    await app.scheduler.fire_due()
    await deliver(app)
    intended = {str(discord.uid(name)) for name in ("sam", "li", "ana")}
    assert len(discord.sent) >= 8
    for sent in discord.sent:
        assert "allowed_mentions" in sent.body, sent.text
        assert sent.pinged["everyone"] is False or sent.channel_id == int(discord.oncall["id"])
        assert sent.pinged["roles"] == []
        assert set(sent.pinged["users"]) <= intended, sent.text
    assert all(str(eve) not in s.pinged["users"] for s in discord.sent)
    assert "@everyone" not in discord.channels[int(channel["id"])]["topic"]


async def test_replies_to_people_ping_nobody(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Ephemeral answers carry `allowed_mentions` that allow nothing."""
    answer = await discord.slash("open", severity="SEV-1", title="@everyone look")
    assert answer.data["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in answer.content


async def test_the_severity_picker_pings_nobody(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """The ephemeral picker a Change severity click shows carries `allowed_mentions` too."""
    channel = await open_incident(app, discord)
    summary = next(sent for sent in discord.posts(channel) if sent.custom_ids())
    picker = await discord.click(summary, "sevbot:sev:1")
    assert picker.data["allowed_mentions"] == {"parse": []}
