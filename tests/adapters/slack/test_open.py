"""`/incident open` in Slack: the ack, the channel, invites, topic, pinned summary, announcement."""

from __future__ import annotations

import re
from pathlib import Path

from tests.adapters.slack.conftest import LI, MARIA, SAM, Slack, running_slack, slack_settings
from tests.adapters.slack.standin import BOT_USER, SlackStandIn

VALID_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


async def test_open_acknowledges_then_builds_the_incident_channel(slack: Slack) -> None:
    """Ephemeral ack at once; then channel, invites, topic, pinned summary and announcement."""
    reply = await slack.command("open sev1 Database latency high")
    assert reply.status == 200
    assert reply.body == {"response_type": "ephemeral", "text": "Opening incident…"}

    await slack.settle()
    channel = slack.channel(1)
    assert channel.name == "inc-1-database-latency-high"
    assert {MARIA, SAM, LI, BOT_USER} <= channel.members
    assert channel.topic.startswith("🔴 SEV-1 · detection · IC: unassigned")
    summary = channel.posts()[0]
    assert summary["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "🔴 SEV-1 · Database latency high", "emoji": True},
    }
    actions = next(b for b in summary["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        "sevbot_acknowledge",
        "sevbot_post_update",
        "sevbot_change_severity",
        "sevbot_resolve",
    ]
    assert channel.pins == [summary["ts"]]
    assert summary["metadata"]["event_type"] == "sevbot_outbox"

    announce = slack.standin.channels["CINCIDENTS"]
    assert BOT_USER in announce.members  # joined the announce channel to post there
    [announcement] = announce.posts()
    assert f"<#{channel.id}>" in str(announcement["blocks"])
    assert "SEV-1 #1 Database latency high" in announcement["text"]
    assert slack.responses_to(MARIA) == ["Opening incident #1… its channel is being created."]


async def test_the_primary_on_call_is_paged_by_direct_message(slack: Slack) -> None:
    """The page goes to the on-call primary's DM (conversations.open + chat.postMessage)."""
    await slack.run("open sev1 Checkout is failing")
    dm = slack.standin.dm(SAM)
    assert dm is not None
    assert "You are paged" in dm.texts()[0]
    assert "`/incident ack 1`" in dm.texts()[0]


async def test_equal_titles_get_distinct_channels(slack: Slack) -> None:
    """Two incidents with the same title: two channels, both valid names."""
    await slack.run("open sev2 Disk full")
    await slack.run("open sev2 Disk full")
    names = [c.name for c in slack.standin.named("inc-")]
    assert names == ["inc-1-disk-full", "inc-2-disk-full"]


async def test_a_taken_name_gets_a_suffix(slack: Slack) -> None:
    """A channel someone already made with the same name: the incident gets `-2`."""
    slack.standin.add_channel("CTAKEN", "inc-1-disk-full", {MARIA})
    await slack.run("open sev2 Disk full")
    assert [c.name for c in slack.standin.named("inc-1-disk-full")] == [
        "inc-1-disk-full",
        "inc-1-disk-full-2",
    ]
    ours = slack.standin.named("inc-1-disk-full-2")[0]
    assert ours.pins
    assert slack.standin.channels["CTAKEN"].posts() == []


async def test_odd_titles_still_give_valid_channel_names(slack: Slack) -> None:
    """Emoji, non-Latin scripts, accents and 200-character titles all make valid names."""
    titles = ["🔥🔥🔥", "Ошибка оплаты", "Café déjà vu", "x" * 200, "日本語のタイトル"]
    for title in titles:
        reply = await slack.run(f"open sev3 {title}")
        assert reply.status == 200
    names = [c.name for c in slack.standin.named("inc-")]
    assert len(names) == len(titles)
    assert all(VALID_NAME.match(name) for name in names), names
    assert names[0] == "inc-1"
    assert names[2] == "inc-3-cafe-deja-vu"
    assert len(names[3]) == 80
    for number in range(1, len(titles) + 1):
        assert slack.channel(number).pins  # every summary was posted and pinned


async def test_opening_elsewhere_announces_nothing_without_an_announce_channel(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """Unset SEVBOT_SLACK_ANNOUNCE_CHANNEL: no announcement, and nothing fails."""
    settings = slack_settings(tmp_path, standin, slack_announce_channel=None)
    async with running_slack(tmp_path, standin, settings) as slack:
        await slack.run("open sev2 Queue backlog")
        assert slack.standin.channels["CINCIDENTS"].posts() == []
        counts = await slack.app.store.outbox_counts()
        assert counts.get("pending", 0) == 0
        assert counts.get("dead", 0) == 0
