"""Reading a Slack message for relaying: its markup written out, bots (and the bot) never."""

from __future__ import annotations

from adapters.slack.relay import readable, said


def test_slack_markup_reads_as_plain_text() -> None:
    """Mentions, broadcasts, user groups, channels and links are written out; escapes undone."""
    text = (
        "hi <@U1|sam> <@U2> <!everyone> <!subteam^S1|@sre> <#C1|general> "
        "<https://x.io|docs> <https://y.io> <mailto:a@b.io> &lt;@U9&gt; &amp;"
    )
    assert readable(text) == (
        "hi @sam @U2 @everyone @sre #general docs (https://x.io) https://y.io a@b.io <@U9> &"
    )


def test_a_persons_message_is_relayed_with_its_files_as_links() -> None:
    """A file share keeps its text and each file's permalink; the profile's name comes along."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "C1",
        "user": "U1",
        "ts": "1.2",
        "text": "graph <!here>",
        "files": [{"permalink": "https://acme.slack.com/files/U1/F1/graph.png"}],
        "user_profile": {"display_name": "sam"},
    }
    message = said(event)
    assert message is not None
    assert (message.text, message.links, message.name) == (
        "graph @here",
        ("https://acme.slack.com/files/U1/F1/graph.png",),
        "sam",
    )


def test_bots_edits_and_joins_are_never_relayed() -> None:
    """The bot's own posts (a `bot_id`) would loop; edits and joins are not messages."""
    base = {"type": "message", "channel": "C1", "user": "U1", "ts": "1.2", "text": "x"}
    assert said(base) is not None
    assert said(base | {"bot_id": "B1"}) is None
    assert said(base | {"subtype": "message_changed"}) is None
    assert said(base | {"subtype": "channel_join"}) is None
    assert said({k: v for k, v in base.items() if k != "user"}) is None
