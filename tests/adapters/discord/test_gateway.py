"""The gateway: RESUME after a drop, replayed interactions, command sync, intents, shutdown."""

from __future__ import annotations

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
    times_on_timeline,
)
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin.gateway import MESSAGE_CONTENT_INTENT

CALLBACK = "POST /api/v10/interactions/{id}/{token}/callback"


async def resumed(discord: StandIn, bot: DiscordAdapter, count: int = 1) -> None:
    """Wait until the client has resumed `count` times and is connected again."""
    await discord.wait_for(
        lambda: len(discord.gateway.resumes) >= count and bot.connected.is_set(), "a RESUME"
    )


async def test_a_dropped_connection_resumes_and_a_replayed_interaction_is_done_once(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """The stand-in drops the socket; the client RESUMEs (no new IDENTIFY); the same
    INTERACTION_CREATE sent again is answered but changes nothing."""
    channel = await open_incident(app, discord)
    payload = await discord.slash("note", channel=channel, text="Once only", wait=False)
    await discord.interact(payload)
    await deliver(app)
    await discord.gateway.drop()
    await resumed(discord, bot)
    assert len(discord.gateway.identifies) == 1
    assert discord.gateway.resumes[0]["session_id"] == discord.gateway.session_id
    answers = discord.requests.count(CALLBACK)
    await discord.dispatch("INTERACTION_CREATE", payload)
    await discord.wait_for(lambda: discord.requests.count(CALLBACK) > answers, "a second answer")
    await deliver(app)
    notes = [s for s in discord.posts(channel) if "Once only" in s.text]
    assert len(notes) == 1
    assert await times_on_timeline(app, "Once only") == 1


async def test_an_interaction_sent_while_disconnected_arrives_after_resume(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Events missed while the socket was down are replayed on RESUME and answered once."""
    await discord.gateway.drop()
    answer = await discord.slash("open", severity="SEV-2", title="Queue backlog")
    assert answer.content.startswith("Opening incident #1")
    await resumed(discord, bot)
    await deliver(app)
    assert discord.channel_named("inc-1")["name"] == "inc-1-queue-backlog"


async def test_commands_are_uploaded_only_when_they_changed(
    tmp_path: Path, app: App, clock: FakeClock, discord: StandIn
) -> None:
    """First start uploads to the guild; a restart with the same definitions does not; a
    changed definition on Discord's side is uploaded again."""
    first = await start_adapter(app)
    await first.stop()
    guild = str(discord.guild_id)
    assert discord.command_uploads == [guild]
    names = sorted(c["name"] for c in discord.commands[guild])
    assert names == ["incident", "oncall"]
    subcommands = [o["name"] for o in discord.commands[guild][0]["options"]]
    assert subcommands == [
        "open",
        "ack",
        "status",
        "component",
        "sev",
        "phase",
        "ic",
        "role",
        "note",
        "action",
        "mitigated",
        "resolve",
        "close",
        "review",
        "timeline",
        "maintenance",
        "list",
        "dashboard",
        "help",
    ]
    second = await start_adapter(app)
    await second.stop()
    assert discord.command_uploads == [guild]
    discord.commands[guild][0]["description"] = "Something older"
    third = await start_adapter(app)
    await third.stop()
    assert discord.command_uploads == [guild, guild]


async def test_without_a_guild_commands_are_global(
    tmp_path: Path, clock: FakeClock, discord: StandIn
) -> None:
    """No DISCORD_GUILD_ID: commands sync globally, and incidents still get their channel."""
    app = await discord_app(discord_settings(tmp_path, discord, discord_guild_id=None), clock)
    running = await start_adapter(app)
    try:
        assert discord.command_uploads == [None]
        channel = await open_incident(app, discord)
        assert channel["name"] == "inc-1-checkout-is-failing"
    finally:
        await running.stop()
        await app.close()


async def test_the_gateway_is_discovered_from_the_rest_api(
    tmp_path: Path, clock: FakeClock, discord: StandIn
) -> None:
    """Without DISCORD_GATEWAY_URL the client asks GET /gateway/bot where to connect."""
    settings = discord_settings(tmp_path, discord, discord_gateway_url=None)
    app = await discord_app(settings, clock)
    running = await start_adapter(app)
    try:
        assert "GET /api/v10/gateway/bot" in discord.requests
        assert discord.gateway.connections == 1
    finally:
        await running.stop()
        await app.close()


async def test_without_the_message_content_intent_the_bot_still_connects(
    app: App, discord: StandIn
) -> None:
    """An app without the privileged intent (close 4014) reconnects without asking for it."""
    discord.gateway.refuse_message_content = True
    running = await start_adapter(app)
    try:
        intents = [int(i["intents"]) for i in discord.gateway.identifies]
        assert [bool(i & MESSAGE_CONTENT_INTENT) for i in intents] == [True, False]
        assert running.adapter.message_content is False
    finally:
        await running.stop()


async def test_cancelling_run_closes_the_connection(app: App, discord: StandIn) -> None:
    """`sevbot run` cancels the adapter's task on SIGTERM: the client closes its socket."""
    running = await start_adapter(app)
    assert discord.gateway.socket is not None
    await running.stop()
    await discord.wait_for(lambda: discord.gateway.socket is None, "the socket to close")
    assert running.adapter.client is not None
    assert running.adapter.client.is_closed()
