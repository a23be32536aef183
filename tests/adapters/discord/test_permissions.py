"""Who may do what, through the real discord.py client and the stand-in: a stranger is refused,
a lead allowed, both bypasses found on main stay closed, and an admin named by a Discord role
(sent with each interaction's `member.roles`) is an admin."""

from __future__ import annotations

from pathlib import Path

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from bot.config import AccessSettings
from tests.adapters.discord.conftest import (
    deliver,
    discord_app,
    discord_settings,
    oncall_of,
    open_incident,
    run,
    start_adapter,
)
from tests.adapters.discord.standin import StandIn


async def test_a_stranger_is_refused_and_a_lead_allowed(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """Eve may not raise sam's SEV-1; sam (who declared it) may."""
    channel = await open_incident(app, discord)  # declared by sam
    refused = await discord.slash("sev", channel=channel, level="SEV-0", as_user="eve")
    assert refused.ephemeral
    assert refused.content == (
        f"Only the declarer <@{discord.uid('sam')}> or an admin can change the severity of #1."
    )
    found = await app.service.load(1)
    assert found is not None
    assert found.severity.label == "SEV-1"
    assert (
        "Severity raised SEV-1 → SEV-0" in await run(app, discord, "sev", channel, level="SEV-0")
        or "SEV-0" in discord.posts(channel)[-1].text
    )


async def test_the_bypasses_are_closed(app: App, bot: DiscordAdapter, discord: StandIn) -> None:
    """A resolved SEV-0: eve cannot lower it nor close it without its review; she may take
    the open IC role, but not force-close in that same minute."""
    channel = await open_incident(app, discord, severity="SEV-0")
    await run(app, discord, "resolve", channel, summary="Fixed")
    lowered = await discord.slash("sev", channel=channel, level="SEV-3", as_user="eve")
    assert lowered.content.startswith("Only the declarer")
    closed = await discord.slash("close", channel=channel, as_user="eve")
    assert closed.content.startswith("Only the declarer")
    await discord.slash("ic", channel=channel, user={"user": "eve"}, as_user="eve")
    await deliver(app)
    assert "is incident commander" in discord.posts(channel)[-1].text
    forced = await discord.slash("close", channel=channel, force=True, as_user="eve")
    assert "less than a minute ago" in forced.content
    found = await app.service.load(1)
    assert found is not None
    assert (found.severity.label, found.closed_at) == ("SEV-0", None)


async def test_an_admin_by_discord_role(tmp_path: Path, clock: FakeClock, discord: StandIn) -> None:
    """`discord-role:<id>` in admins: a member with that role may change anyone's incident."""
    sre = 4242
    discord.roles[sre] = "sre"
    discord.member_roles["eve"] = [sre]
    settings = discord_settings(
        tmp_path, discord, access=AccessSettings(admins=[f"discord-role:{sre}"])
    )
    app = await discord_app(settings, clock, oncall=oncall_of(discord))
    running = await start_adapter(app)
    try:
        channel = await open_incident(app, discord)
        await discord.slash("sev", channel=channel, level="SEV-0", as_user="eve")
        await deliver(app)
        found = await app.service.load(1)
        assert found is not None
        assert found.severity.label == "SEV-0"
        refused = await discord.slash("sev", channel=channel, level="SEV-2", as_user="li")
        assert refused.content.startswith("Only the declarer")
    finally:
        await running.stop()
        await app.close()
