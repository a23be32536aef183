"""Private incidents on Discord, through the stand-in: a channel hidden from @everyone and shown
to the people inside and the bot, an overwrite added for whoever is paged later, and no public
trace (status page, feed, summary.json, `/incident list` for an outsider, the announcement).
Then the stand-in's own rules for permission overwrites, as Discord publishes them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.discord import DiscordAdapter
from bot.bootstrap import App
from bot.clock import FakeClock
from tests.adapters.discord.conftest import deliver, run
from tests.adapters.discord.standin import StandIn
from tests.adapters.discord.standin import permissions as perms

TITLE = "Payroll export leaks salaries"
VIEW = perms.VIEW_CHANNEL
CHANNELS = "/guilds/{guild}/channels"


async def tick(app: App, clock: FakeClock, **delta: float) -> None:
    """Advance the fake clock, fire what is due, deliver it."""
    clock.advance(**delta)
    await app.scheduler.fire_due()
    await deliver(app)


async def open_private(app: App, discord: StandIn) -> dict[str, Any]:
    """maria runs `/incident open severity:SEV-1 title:… private:True`; the channel made."""
    before = set(discord.channels)
    answer = await discord.slash(
        "open", as_user="maria", severity="SEV-1", title=TITLE, private=True
    )
    assert "Opening incident #1" in answer.content
    await deliver(app)
    [created] = [
        discord.channels[c]
        for c in set(discord.channels) - before
        if discord.channels[c]["type"] == 0
    ]
    return created


def overwrite_of(channel: dict[str, Any], target: int) -> dict[str, Any]:
    """The channel's overwrite for a role or member id."""
    found = [o for o in channel["permission_overwrites"] if o["id"] == str(target)]
    assert len(found) == 1, channel["permission_overwrites"]
    return found[0]


async def test_the_channel_is_hidden_from_everyone_but_the_people_inside(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """@everyone (the guild id, a role overwrite) is denied VIEW_CHANNEL; maria (declarer),
    sam and li (on call) and the bot have member overwrites allowing it; ana and carol see
    nothing."""
    channel = await open_private(app, discord)
    everyone = overwrite_of(channel, discord.guild_id)
    assert everyone["type"] == perms.ROLE
    assert int(everyone["deny"]) & VIEW
    for name in ("maria", "sam", "li"):
        member = overwrite_of(channel, discord.uid(name))
        assert member["type"] == perms.MEMBER
        assert int(member["allow"]) & VIEW
        assert discord.can_view(channel, name), name
    assert int(overwrite_of(channel, int(discord.bot["id"]))["allow"]) & VIEW
    assert discord.can_view(channel, "bot")
    assert not discord.can_view(channel, "ana")
    assert not discord.can_view(channel, "carol")
    assert TITLE in discord.posts(channel)[0].text  # the summary is inside


async def test_someone_paged_later_gets_an_overwrite_when_paged(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """No acknowledgement: the last step pages everyone on call; ana is let in then (a PUT of
    a member overwrite), not before; the on-call channel never reads the title."""
    channel = await open_private(app, discord)
    await tick(app, clock, minutes=15)
    assert not discord.can_view(discord.channels[int(channel["id"])], "ana")
    await tick(app, clock, minutes=15)
    channel = discord.channels[int(channel["id"])]
    assert discord.can_view(channel, "ana")
    assert not discord.can_view(channel, "carol")
    assert "PUT /api/v10/channels/{channel}/permissions/{target}" in discord.requests
    assert overwrite_of(channel, discord.uid("ana"))["type"] == perms.MEMBER
    [page] = discord.posts(discord.oncall)
    assert "private SEV-1 #1 is unacknowledged" in page.text
    assert TITLE not in page.text


async def test_a_refused_overwrite_is_logged_and_the_page_still_posted(
    app: App, bot: DiscordAdapter, clock: FakeClock, discord: StandIn
) -> None:
    """The bot lost MANAGE_ROLES: the PUT gets 50013; the escalation is posted anyway."""
    channel = await open_private(app, discord)
    discord.bot_permissions &= ~perms.MANAGE_ROLES
    await tick(app, clock, minutes=30)
    assert not discord.can_view(discord.channels[int(channel["id"])], "ana")
    assert any("Paging everyone" in s.text for s in discord.posts(channel))


async def test_the_announcement_says_only_that_a_private_sev1_was_declared(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """#incidents: number and severity, no title, nobody pinged; resolution without the fix."""
    channel = await open_private(app, discord)
    await run(app, discord, "resolve", channel, as_user="maria", summary="Revoked the token")
    [declared, resolved] = discord.posts(discord.announce)
    assert "Private SEV-1 #1" in declared.text
    assert "A private SEV-1 was declared: #1." in declared.text
    assert "Resolved: private SEV-1 #1" in resolved.text
    for post in (declared, resolved):
        assert TITLE not in post.text
        assert "Revoked" not in post.text
        assert post.pinged["users"] == []


async def test_the_list_leaves_it_out_for_an_outsider(
    app: App, bot: DiscordAdapter, discord: StandIn
) -> None:
    """carol's `/incident list` has no trace of it; sam's (paged) shows it, marked 🔒."""
    await open_private(app, discord)
    carols = await run(app, discord, "list", discord.general, as_user="carol")
    sams = await run(app, discord, "list", discord.general, as_user="sam")
    assert "No open incidents" in carols
    assert TITLE not in carols
    assert f"#1 🔒 {TITLE}" in sams


@pytest.fixture
async def web(app: App) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    """The app's web server (status page) on a test port."""
    client: TestClient = TestClient(TestServer(app.web))  # type: ignore[type-arg]
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_no_public_trace_on_the_status_page_feed_or_summary(
    app: App,
    bot: DiscordAdapter,
    discord: StandIn,
    web: TestClient,  # type: ignore[type-arg]
) -> None:
    """With an external update, still: not on /status, in the feed or in summary.json."""
    channel = await open_private(app, discord)
    await run(app, discord, "status", channel, as_user="maria", text="Payslips", external=True)
    page = await (await web.get("/status")).text()
    feed = await (await web.get("/status/feed.atom")).text()
    summary = await (await web.get("/status/summary.json")).json()
    assert summary["incidents"] == []
    for text in (page, feed, json.dumps(summary)):
        assert TITLE not in text
        assert "Payslips" not in text


# The stand-in's rules, checked over plain HTTP as the bot.


async def call(
    discord: StandIn, method: str, path: str, body: Any = None
) -> tuple[int, dict[str, Any]]:
    """One REST call with the bot's token: (status, JSON body or {})."""
    headers = {"Authorization": f"Bot {discord.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, discord.api_url + path, json=body, headers=headers) as response,
    ):
        text = await response.text()
        return response.status, json.loads(text) if text else {}


def everyone_hidden(discord: StandIn, **changes: Any) -> dict[str, Any]:
    """The @everyone overwrite that hides a channel, with `changes`."""
    return {"id": str(discord.guild_id), "type": 0, "allow": "0", "deny": str(VIEW)} | changes


async def test_overwrites_are_checked_as_discord_checks_them(discord: StandIn) -> None:
    """Over 100, a type other than 0/1, bits that are not a number: 400 50035; bits the bot
    lacks, or MANAGE_ROLES from a bot that is no admin: 403 50013."""
    path = CHANNELS.format(guild=discord.guild_id)
    bad_bodies = [
        [everyone_hidden(discord, id=str(i)) for i in range(perms.MAX_OVERWRITES + 1)],
        [everyone_hidden(discord, type=2)],
        [everyone_hidden(discord, type="member")],
        [everyone_hidden(discord, allow="view")],
        [everyone_hidden(discord, deny=-1)],
        [everyone_hidden(discord, id="not-a-snowflake")],
    ]
    for overwrites in bad_bodies:
        status, body = await call(
            discord, "POST", path, {"name": "x", "permission_overwrites": overwrites}
        )
        assert (status, body["code"]) == (400, 50035), overwrites
    status, body = await call(
        discord,
        "POST",
        path,
        {
            "name": "x",
            "permission_overwrites": [everyone_hidden(discord, allow=perms.MANAGE_ROLES)],
        },
    )
    assert (status, body["code"]) == (403, 50013)
    discord.bot_permissions &= ~perms.MANAGE_CHANNELS
    status, body = await call(discord, "POST", path, {"name": "x"})
    assert (status, body["code"]) == (403, 50013)


async def test_a_channel_hidden_from_the_bot_is_missing_access(discord: StandIn) -> None:
    """Created without an overwrite for the bot, the channel answers 50001 to everything; a
    member overwrite is added by PUT with the bits as a string; without MANAGE_ROLES, 50013."""
    path = CHANNELS.format(guild=discord.guild_id)
    sam = discord.uid("sam")
    status, created = await call(
        discord,
        "POST",
        path,
        {"name": "hidden", "permission_overwrites": [everyone_hidden(discord)]},
    )
    assert status == 201
    hidden = created["id"]
    assert created["permission_overwrites"] == [everyone_hidden(discord)]
    status, body = await call(discord, "POST", f"/channels/{hidden}/messages", {"content": "hi"})
    assert (status, body["code"]) == (403, 50001)
    status, created = await call(
        discord,
        "POST",
        path,
        {
            "name": "shown",
            "permission_overwrites": [
                everyone_hidden(discord, deny=VIEW),  # integers, as discord.py sends them
                {"id": int(discord.bot["id"]), "type": 1, "allow": VIEW, "deny": 0},
            ],
        },
    )
    shown = int(created["id"])
    assert created["permission_overwrites"][1]["allow"] == str(VIEW)  # answered as strings
    target = f"/channels/{shown}/permissions/{sam}"
    status, body = await call(discord, "PUT", target, {"type": 3, "allow": str(VIEW)})
    assert (status, body["code"]) == (400, 50035)
    status, _ = await call(discord, "PUT", target, {"type": 1, "allow": str(VIEW), "deny": "0"})
    assert status == 204
    assert discord.can_view(discord.channels[shown], "sam")
    discord.bot_permissions &= ~perms.MANAGE_ROLES
    status, body = await call(discord, "PUT", target, {"type": 1, "allow": str(VIEW)})
    assert (status, body["code"]) == (403, 50013)
