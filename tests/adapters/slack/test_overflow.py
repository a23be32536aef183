"""A message longer than one Slack message holds says so and where the rest is: the incident's
page on the dashboard when sevbot has a public URL, else the whole text as a file (once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.settings_model import SecretStr
from incidents.messages import Audience, Message, MessageKind
from incidents.ports import OutboxItem
from tests.adapters.slack.conftest import SAM, Slack, running_slack, slack_settings
from tests.adapters.slack.standin import BOT_USER, SlackStandIn

NOTE = "&" * 3000  # 15,000 characters once escaped: three notes fill a third of a message


async def long_timeline(slack: Slack) -> dict[str, Any]:
    """Incident #1 with a timeline of sixteen such notes, then `/incident timeline`: its
    answer (in the acknowledgement, with no response_url POST)."""
    slack.standin.channels["CINCIDENTS"].members.add(BOT_USER)  # no not_in_channel on the way
    await slack.run("open sev2 Search latency in EU")
    here = {"user": SAM, "channel": slack.channel(1).id}
    for _ in range(16):
        await slack.run(f"note {NOTE}", **here)
    reply = await slack.run("timeline", **here)
    assert not [r for r in slack.standin.responses if "Timeline of #1" in r["text"]]
    assert isinstance(reply.body, dict)
    return reply.body


async def test_a_cut_reply_links_the_dashboard_when_there_is_one(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    """With SEVBOT_PUBLIC_URL and the dashboard on, the cut timeline links the incident's
    page, and nothing is uploaded."""
    settings = slack_settings(
        tmp_path,
        standin,
        public_url="https://sevbot.example/",
        web_token=SecretStr("dashboard-token-" + "x" * 32),
    )
    async with running_slack(tmp_path, standin, settings) as slack:
        reply = await long_timeline(slack)
        note = reply["blocks"][-2]["text"]["text"]
        assert note.startswith("✂️ _Cut here: about ")
        assert note.endswith(
            "The rest: <https://sevbot.example/incidents/1|the incident's page on the dashboard>."
        )
        assert standin.uploads == {}
        assert standin.refusals == []


async def test_a_cut_reply_without_a_dashboard_sends_the_whole_text_as_a_file(
    slack: Slack,
) -> None:
    """Without a dashboard, the whole timeline goes to the person's DM with sevbot as a file
    (a reply is private, so not to the channel), and the reply says so."""
    reply = await long_timeline(slack)
    assert (
        "`incident-1-timeline.txt`, in your direct messages" in reply["blocks"][-2]["text"]["text"]
    )
    dm = slack.standin.dm(SAM)
    assert dm is not None
    [upload] = slack.standin.uploads.values()
    assert upload["filename"] == "incident-1-timeline.txt"
    assert upload["content"].decode().count("&") == 16 * 3000  # raw text, not escaped
    assert [m["files"][0]["name"] for m in dm.messages if m.get("files")] == [upload["filename"]]


async def test_a_cut_post_uploads_its_rest_once_even_when_retried(slack: Slack) -> None:
    """An outbox item too long for a message: posted cut, its whole text as a file below it;
    a retry (the answer was lost) posts neither again."""
    slack.standin.channels["CINCIDENTS"].members.add(BOT_USER)
    await slack.run("open sev2 Search latency in EU")
    lines = "\n".join(f"{i:03d} " + "&" * 600 for i in range(100))
    message = Message(
        kind=MessageKind.ACTION_ITEMS_NAG, audience=Audience.INCIDENT, incident=1, text=(lines,)
    )
    now = slack.clock.now()
    for attempt in (1, 2):
        item = OutboxItem(
            id=77,
            platform="slack",
            message=message,
            created_at=now,
            attempts=attempt,
            next_attempt_at=now,
        )
        await slack.adapter.deliver(item)
    channel = slack.channel(1)
    cut = [p for p in channel.posts() if "✂️" in str(p.get("blocks"))]
    files = [m for m in channel.messages if m.get("files")]
    assert len(cut) == 1
    assert "`incident-1-action-items-nag.txt`, posted below" in str(cut[0]["blocks"])
    assert [m["files"][0]["name"] for m in files] == ["incident-1-action-items-nag.txt"]
    assert slack.standin.refusals == []
