"""Private incidents in Slack, through the stand-in: a private channel with the right people,
later pages invited as they go out, and no public trace (status page, feed, summary.json,
`/incident list` for an outsider, #incidents without the title). Then the stand-in's own
rules for private channels and `conversations.invite`, as Slack publishes them."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.adapters.slack.conftest import LI, MARIA, SAM, Slack
from tests.adapters.slack.standin import BOT_TOKEN, BOT_USER, MAX_INVITES, SlackStandIn

ANA, CAROL = "U0ANA", "U0CAROL"  # ana is on the rotation (paged last); carol is outside
TITLE = "Payroll export leaks salaries"


async def tick(slack: Slack, **delta: float) -> None:
    """Advance the fake clock, fire what is due and deliver it."""
    slack.clock.advance(**delta)
    await slack.app.scheduler.fire_due()
    await slack.settle()


async def open_private(slack: Slack) -> None:
    """maria declares a private SEV-1 from #general; sam is primary, li backup, ana on the
    rotation."""
    reply = await slack.run(f"open sev1 --private {TITLE}", user=MARIA)
    assert reply.status == 200


async def test_a_private_channel_with_the_declarer_and_the_people_paged(slack: Slack) -> None:
    """`conversations.create` with is_private; maria (declarer), sam and li (on call) and the
    bot are in it; ana (not paged yet) and carol are not."""
    await open_private(slack)
    [created] = slack.standin.served("conversations.create")
    assert str(created.params["is_private"]).lower() in ("true", "1")
    channel = slack.channel(1)
    assert channel.is_private
    assert channel.name == "inc-1-payroll-export-leaks-salaries"
    assert channel.members == {BOT_USER, MARIA, SAM, LI}
    invited = {u for call in slack.standin.served("conversations.invite") for u in _users(call)}
    assert invited == {MARIA, SAM, LI}
    assert channel.pins  # the summary, with the title, is inside
    assert TITLE in channel.texts()[0]


async def test_people_paged_later_are_invited_when_paged(slack: Slack) -> None:
    """Nobody acknowledges: at 30 min the last step pages everyone on call; ana is invited to
    the private channel then, not before; the on-call channel does not read the title."""
    await open_private(slack)
    await tick(slack, minutes=15)
    assert ANA not in slack.channel(1).members
    await tick(slack, minutes=15)
    assert ANA in slack.channel(1).members
    assert CAROL not in slack.channel(1).members
    [page] = slack.standin.channels["CONCALL"].posts()
    assert page["text"].startswith("<!here> private SEV-1 #1 is unacknowledged")
    assert TITLE not in json.dumps(page)


async def test_incidents_channel_reads_only_that_a_private_sev1_was_declared(
    slack: Slack,
) -> None:
    """The announcement has the number and severity, no title and nobody's name; the
    resolution announcement leaves out the title and the summary too."""
    await open_private(slack)
    await slack.run("resolve Revoked the export token", user=MARIA, channel=slack.channel(1).id)
    announce = slack.standin.channels["CINCIDENTS"].posts()
    assert [post["text"] for post in announce] == [
        "🔴 Private SEV-1 #1\nA private SEV-1 was declared: #1. "
        "Only the people in it see its channel and details.",
        "✅ Resolved: private SEV-1 #1\nResolved after 0 s.",
    ]
    posted = json.dumps(announce)
    assert TITLE not in posted
    assert "Revoked" not in posted
    assert MARIA not in posted


async def test_no_public_trace_on_the_status_page_feed_or_summary(slack: Slack) -> None:
    """A private SEV-1 with an external update: not on /status, in the feed or summary.json."""
    await open_private(slack)
    await slack.run(
        "status --external Some payslips are visible", user=MARIA, channel=slack.channel(1).id
    )
    page = await (await slack.client.get("/status")).text()
    feed = await (await slack.client.get("/status/feed.atom")).text()
    summary = await (await slack.client.get("/status/summary.json")).json()
    assert "All Systems Operational" in page
    assert summary["incidents"] == []
    assert summary["status"]["indicator"] == "none"
    for text in (page, feed, json.dumps(summary)):
        assert TITLE not in text
        assert "payslips" not in text


async def test_the_list_leaves_it_out_for_an_outsider(slack: Slack) -> None:
    """carol's `/incident list` does not show it; sam's (paged) does, marked 🔒."""
    await open_private(slack)
    carols = (await slack.run("list", user=CAROL)).text
    sams = (await slack.run("list", user=SAM)).text
    assert "No open incidents" in carols
    assert TITLE not in carols
    assert f"#1 🔒 {TITLE}" in sams


async def test_a_public_incident_still_gets_a_public_channel(slack: Slack) -> None:
    """Without the flag: is_private false, and the announcement keeps the title."""
    await slack.run("open sev1 Checkout is failing", user=MARIA)
    [created] = slack.standin.served("conversations.create")
    assert str(created.params["is_private"]).lower() in ("false", "0")
    assert not slack.channel(1).is_private
    [announcement] = slack.standin.channels["CINCIDENTS"].posts()
    assert "SEV-1 #1 Checkout is failing" in announcement["text"]


def _users(call: object) -> list[str]:
    users = getattr(call, "params", {}).get("users", "")
    return [u for u in (users if isinstance(users, list) else str(users).split(",")) if u]


# The stand-in's rules, checked with a plain Web API client.


@pytest.fixture
async def client(standin: SlackStandIn) -> AsyncWebClient:
    """A Web API client on the stand-in, as the bot."""
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])


async def error_of(call: Awaitable[Any]) -> str:
    """The `error` of a refused call."""
    with pytest.raises(SlackApiError) as refused:
        await call
    return str(refused.value.response["error"])


async def test_a_private_channel_is_invisible_to_whoever_is_not_in_it(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    """Someone else's private channel: not listed, not readable, not joinable, no posting."""
    theirs = standin.add_channel("GSECRET", "secret", {MARIA})
    theirs.is_private = True
    listed = await client.conversations_list(types="public_channel,private_channel")
    assert "GSECRET" not in {c["id"] for c in listed["channels"]}
    assert await error_of(client.conversations_info(channel="GSECRET")) == "channel_not_found"
    assert await error_of(client.chat_postMessage(channel="GSECRET", text="hi")) == (
        "channel_not_found"
    )
    ours = await client.conversations_create(name="inc-9-ours", is_private=True)
    ours_id = ours["channel"]["id"]
    assert ours["channel"]["is_private"] is True
    private_only = await client.conversations_list(types="private_channel")
    assert [c["id"] for c in private_only["channels"]] == [ours_id]
    public_only = await client.conversations_list(types="public_channel")
    assert ours_id not in {c["id"] for c in public_only["channels"]}
    assert await error_of(client.conversations_join(channel=ours_id)) == (
        "method_not_supported_for_channel_type"
    )
    assert await error_of(client.conversations_create(name="secret")) == "name_taken"


async def test_conversations_invite_refuses_what_slack_refuses(
    standin: SlackStandIn, client: AsyncWebClient
) -> None:
    """Not a member, nobody, too many, oneself, unknown people, everyone already there."""
    created = await client.conversations_create(name="inc-9-invites", is_private=True)
    channel = created["channel"]["id"]
    standin.add_channel("CNOTIN", "not-in", {MARIA})

    async def invite(users: list[str], where: str = channel, force: bool = False) -> str:
        return await error_of(client.conversations_invite(channel=where, users=users, force=force))

    assert await invite([SAM], where="CNOTIN") == "not_in_channel"
    assert await invite([]) == "no_user"
    assert await invite([SAM] * (MAX_INVITES + 1)) == "invalid_arguments"
    assert await invite([BOT_USER]) == "cant_invite_self"
    assert await invite([SAM, "U0NOBODY"]) == "user_not_found"
    assert await invite(["U0NOBODY"], force=True) == "user_not_found"
    done = await client.conversations_invite(channel=channel, users=[SAM, "U0NOBODY"], force=True)
    assert done["ok"]
    assert standin.channels[channel].members == {BOT_USER, SAM}
    assert await invite([SAM]) == "already_in_channel"
    at_most = await client.conversations_invite(channel=channel, users=[SAM] * 999 + [LI])
    assert at_most["ok"]  # 1000 is allowed; SAM already there, LI invited
    assert LI in standin.channels[channel].members
