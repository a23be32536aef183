"""Incident-channel activity recorded for the review: pins, 📌 reactions, who spoke."""

from __future__ import annotations

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from incidents.model import EntryKind
from tests.adapters.discord.conftest import open_incident, until
from tests.adapters.discord.standin import StandIn

PINNED = EntryKind.PINNED


async def pinned_entries(app: App) -> list:
    """The PINNED timeline entries of incident #1."""
    incident = await app.service.load(1)
    assert incident is not None
    return [entry for entry in incident.timeline if entry.kind is PINNED]


async def test_a_pinned_message_goes_on_the_timeline_once(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Pinning a person's message records its text, author and link; pinning more records
    only the new one; the bot's own pinned summary is not recorded."""
    channel = await open_incident(app, discord)
    first = await discord.say(channel, "502s started at 13:55 after deploy 8812", as_user="li")
    await discord.pin(int(channel["id"]), int(first["id"]))

    async def one() -> bool:
        return len(await pinned_entries(app)) == 1

    await until(one, "the pin to be recorded")
    second = await discord.say(channel, "Rollback done", as_user="sam")
    await discord.pin(int(channel["id"]), int(second["id"]))

    async def two() -> bool:
        return len(await pinned_entries(app)) == 2

    await until(two, "the second pin")
    entries = await pinned_entries(app)
    assert entries[0].text == "502s started at 13:55 after deploy 8812"
    assert entries[0].get("author") == f"discord:{discord.uid('li')}"
    link = f"https://discord.com/channels/{discord.guild_id}/{channel['id']}/{first['id']}"
    assert entries[0].get("link") == link


async def test_a_pin_reaction_records_the_message_once(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """📌 on a message records it; pinning it afterwards does not record it again."""
    channel = await open_incident(app, discord)
    said = await discord.say(channel, "Customer reports from EU", as_user="ana")
    await discord.react(said, "👍", as_user="sam")
    await discord.react(said, "📌", as_user="sam")

    async def recorded() -> bool:
        return len(await pinned_entries(app)) == 1

    await until(recorded, "the 📌 to be recorded")
    await discord.pin(int(channel["id"]), int(said["id"]))
    later = await discord.say(channel, "EU traffic shifted", as_user="li")
    await discord.pin(int(channel["id"]), int(later["id"]))

    async def later_recorded() -> bool:
        return len(await pinned_entries(app)) >= 2

    await until(later_recorded, "the later pin")  # pins are read oldest first
    entries = await pinned_entries(app)
    assert [entry.text for entry in entries] == ["Customer reports from EU", "EU traffic shifted"]
    assert entries[0].actor == f"discord:{discord.uid('sam')}"
    assert entries[0].get("author") == f"discord:{discord.uid('ana')}"


async def test_people_who_speak_in_the_channel_are_participants(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Speaking in the incident channel makes a participant; elsewhere it does not."""
    channel = await open_incident(app, discord)
    await discord.say(channel, "looking at the dashboards", as_user="ana")
    await discord.say(channel, "still looking", as_user="ana")
    await discord.say(discord.general, "lunch?", as_user="li")
    ana = f"discord:{discord.uid('ana')}"

    async def spoke() -> bool:
        incident = await app.service.load(1)
        return incident is not None and ana in incident.speakers

    await until(spoke, "ana to count as a participant")
    incident = await app.service.load(1)
    assert incident is not None
    assert incident.speakers == (ana,)
