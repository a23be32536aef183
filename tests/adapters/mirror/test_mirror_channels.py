"""A mirrored incident's channels in step: the topic after a severity change, and pins or 📌
from either side recorded once in the one timeline."""

from __future__ import annotations

from incidents.model import EntryKind, Incident
from tests.adapters.discord.conftest import until
from tests.adapters.mirror.conftest import SAM, Both
from tests.adapters.slack.test_events import pin_added, pushpin

LI, MARIA = "U0LI", "U0MARIA"


async def open_in_slack(both: Both) -> None:
    """`/incident open sev1 …` by Sam in Slack, delivered on both sides."""
    reply = await both.slack.command("open sev1 Checkout is failing", user=SAM)
    assert reply.status == 200
    await both.settle()


async def incident(both: Both) -> Incident:
    """Incident #1 as stored."""
    found = await both.app.service.load(1)
    assert found is not None
    return found


def pinned(found: Incident) -> list[tuple[str, str | None]]:
    """(text, author) of each pinned-message entry of the timeline."""
    return [
        (entry.text, entry.get("author"))
        for entry in found.timeline
        if entry.kind is EntryKind.PINNED
    ]


async def test_a_severity_change_sets_the_topic_on_both_sides_once(both: Both) -> None:
    """`/incident sev 1 0` from Slack: the Slack topic (conversations.setTopic) and the
    Discord topic (a channel PATCH) both say SEV-0, each set once; the channel names, which
    carry no severity, stay as they were on both."""
    await open_in_slack(both)
    slack_channel = both.slack.channel(1)
    discord_channel = both.discord.channel_named("inc-1-")
    names = (slack_channel.name, discord_channel["name"])
    assert "SEV-1" in slack_channel.topic
    assert "SEV-1" in discord_channel["topic"]
    await both.slack.command("sev 1 0", user=SAM)
    await both.settle()
    assert any("SEV-0" in str(post.get("text")) for post in both.slack_posts())
    assert any("SEV-0" in sent.text for sent in both.discord_posts())
    set_on_slack = [
        call.params["topic"]
        for call in both.slack.standin.served("conversations.setTopic")
        if call.params.get("channel") == slack_channel.id and "SEV-0" in call.params["topic"]
    ]
    assert len(set_on_slack) == 1
    assert "SEV-0" in slack_channel.topic
    set_on_discord = [
        topic
        for channel_id, topic in both.discord.topic_edits
        if channel_id == int(discord_channel["id"]) and topic and "SEV-0" in topic
    ]
    assert len(set_on_discord) == 1
    assert "SEV-0" in discord_channel["topic"]
    assert (slack_channel.name, discord_channel["name"]) == names
    # A later post that changes neither severity, phase nor IC leaves both topics alone.
    topic_sets, topic_edits = slack_topic_sets(both), len(both.discord.topic_edits)
    await both.slack.command("note 1 Paused the batch", user=SAM)
    await both.settle()
    assert any("Paused the batch" in sent.text for sent in both.discord_posts())
    assert (slack_topic_sets(both), len(both.discord.topic_edits)) == (topic_sets, topic_edits)


def slack_topic_sets(both: Both) -> int:
    """How many times the bot set a Slack topic."""
    return len(both.slack.standin.served("conversations.setTopic"))


async def test_pins_from_either_side_land_once_in_the_timeline(both: Both) -> None:
    """A message pinned and 📌'd in Slack and one pinned and 📌'd in Discord make one timeline
    entry each, with their authors; pinning or 📌ing their relayed copies on the other side
    (the bot's posts there) adds nothing; `/incident timeline` shows each once."""
    await open_in_slack(both)
    slack_channel = both.slack.channel(1).id
    discord_channel = both.discord.channel_named("inc-1-")
    # In Slack: Li writes (relayed to Discord), Maria pins it and Sam marks it 📌.
    found = both.slack.standin.post_message(slack_channel, LI, "Found it: the EU index rebuilds")
    typed = {"type": "message", "channel": slack_channel, "user": LI, "text": found["text"]}
    await both.slack.event(typed | {"ts": found["ts"]})
    await both.slack.event(pin_added(slack_channel, found, by=MARIA))
    await both.slack.event(pushpin(slack_channel, found, by=SAM))
    await both.settle()
    # In Discord: Li writes (relayed to Slack), Sam pins it and marks it 📌.
    said = await both.discord.say(discord_channel, "EU traffic shifted to US", as_user="li")
    await both.discord.pin(int(discord_channel["id"]), int(said["id"]))
    await both.discord.react(said, "📌", as_user="sam")

    async def both_recorded() -> bool:
        await both.settle()
        relayed = any("EU traffic shifted" in str(p.get("text")) for p in both.slack_posts())
        return relayed and len(pinned(await incident(both))) >= 2

    await until(both_recorded, "the pins from both sides")
    # The relayed copies, pinned and 📌'd on the other side.
    [copy_on_discord] = [s for s in both.discord_posts() if "Found it" in s.text]
    await both.discord.pin(int(discord_channel["id"]), int(copy_on_discord.message["id"]))
    await both.discord.react(copy_on_discord.message, "📌", as_user="ana")
    [copy_on_slack] = [p for p in both.slack_posts() if "EU traffic shifted" in str(p["text"])]
    await both.slack.event(pin_added(slack_channel, copy_on_slack, by=MARIA))
    await both.slack.event(pushpin(slack_channel, copy_on_slack | {"user": "U0SEVBOT"}, by=SAM))
    # A last pin after those: once it is recorded, the pins update that saw the copy is done.
    last = await both.discord.say(discord_channel, "Rollback done", as_user="sam")
    await both.discord.pin(int(discord_channel["id"]), int(last["id"]))

    async def last_recorded() -> bool:
        await both.settle()
        return len(pinned(await incident(both))) >= 3

    await until(last_recorded, "the last pin")
    li_on_discord = f"discord:{both.discord.uid('li')}"
    assert sorted(pinned(await incident(both))) == sorted(
        [
            ("Found it: the EU index rebuilds", f"slack:{LI}"),
            ("EU traffic shifted to US", li_on_discord),
            ("Rollback done", f"discord:{both.discord.uid('sam')}"),
        ]
    )
    shown = (await both.slack.command("timeline 1", user=SAM)).text
    assert shown.startswith("Timeline of #1")
    assert shown.count("Found it: the EU index rebuilds") == 1, shown
    assert shown.count("EU traffic shifted to US") == 1, shown
