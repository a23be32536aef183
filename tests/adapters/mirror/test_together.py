"""Slack and Discord together: one incident, a channel on each, relays that ping nobody, and a
rate-limited Discord that holds back only its own copies."""

from __future__ import annotations

import json
from typing import Any

from tests.adapters.discord.conftest import until
from tests.adapters.discord.standin.rest import Failure
from tests.adapters.mirror.conftest import SAM, Both

MESSAGES = "/channels/{channel}/messages"
NOBODY = {"users": [], "roles": [], "everyone": False}


def slack_text(post: dict[str, Any]) -> str:
    """Everything of a Slack post that Slack reads for mentions: its text and its blocks."""
    return json.dumps([post.get("text"), post.get("blocks")], ensure_ascii=False)


async def open_in_slack(both: Both) -> None:
    """`/incident open sev1 …` by Sam in Slack, delivered on both sides."""
    reply = await both.slack.command("open sev1 Checkout is failing", user=SAM)
    assert reply.status == 200
    await both.settle()


async def test_an_incident_opened_in_slack_has_a_channel_on_both(both: Both) -> None:
    """One incident: a channel, the pinned summary with its buttons and an announcement on each
    platform; Ana (named in the rotation as `Ana Lima`) paged by DM on both."""
    await open_in_slack(both)
    assert "Checkout is failing" in both.slack_posts()[0]["text"]
    assert "sevbot_acknowledge" in slack_text(both.slack_posts()[0])
    assert "sevbot:ack:1" in both.discord_posts()[0].custom_ids()
    assert "Checkout is failing" in both.discord_posts()[0].text
    assert len(both.slack.standin.channels["CINCIDENTS"].posts()) == 1
    assert len(both.discord.posts(both.discord.announce)) == 1
    ana_dm = both.slack.standin.dm("U0ANA")
    assert ana_dm is not None
    assert len(ana_dm.posts()) == 1
    assert len(both.discord.dms("ana")) == 1


async def test_a_relayed_message_pings_nobody_on_either_side(both: Both) -> None:
    """`@everyone` and `<@U…>` written on one side are relayed to the other as inert text with
    the author's name; the bot's own relays are not relayed back."""
    await open_in_slack(both)
    channel = both.slack.channel(1)
    before_slack, before_discord = len(both.slack_posts()), len(both.discord_posts())
    typed = "<!everyone> <!here> look at <@U0LI> @everyone"
    await both.slack.event(
        {"type": "message", "channel": channel.id, "user": SAM, "text": typed, "ts": "1700.1"}
    )
    await both.settle()
    inc = both.discord.channel_named("inc-1-")
    await both.discord.say(inc, "@everyone see <@U0SAM> and <@U0LI>", as_user="li")

    async def relayed() -> bool:
        await both.settle()
        return len(both.slack_posts()) > before_slack

    await until(relayed, "the relay from Discord")
    [to_discord] = both.discord_posts()[before_discord:]
    assert to_discord.pinged == NOBODY
    assert "(Slack):" in to_discord.text
    [to_slack] = both.slack_posts()[before_slack:]
    assert "(Discord):" in to_slack["text"]
    assert "<@" not in slack_text(to_slack)
    assert "<!" not in slack_text(to_slack)
    assert "@everyone" not in slack_text(to_slack)  # defanged with a word joiner


async def test_a_rate_limited_discord_delays_only_its_own_copies(both: Both) -> None:
    """Discord answers 429 (retry after 20 s): Slack gets the summary and the status update at
    once; Discord gets nothing for 20 s of the clock, then each message once."""
    both.discord.fail("POST", MESSAGES, Failure(429, retry_after=20, via=False))
    await open_in_slack(both)
    await both.slack.command("status 1 Rolled back deploy 8812", user=SAM)
    await both.settle()
    assert any("Rolled back deploy 8812" in slack_text(p) for p in both.slack_posts())
    assert both.discord_posts() == []
    both.clock.advance(seconds=19)
    await both.settle()
    assert both.discord_posts() == []
    both.clock.advance(seconds=1)
    await both.settle()
    texts = [sent.text for sent in both.discord_posts()]
    assert sum("Rolled back deploy 8812" in text for text in texts) == 1
    assert len(both.discord.posts(both.discord.announce)) == 1
    assert len(both.discord.dms("ana")) == 1
    both.clock.advance(seconds=60)
    await both.settle()
    assert [sent.text for sent in both.discord_posts()] == texts
