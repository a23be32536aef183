"""Every command of the command language through `/incident`, in and outside the channel."""

from __future__ import annotations

from pathlib import Path

from bot.service import Outcome
from incidents.messages import Audience, Message
from tests.adapters.slack.conftest import LI, MARIA, SAM, Slack, running_slack
from tests.adapters.slack.standin import SlackStandIn

ANA = "U0ANA"


async def test_the_whole_command_language_works_in_the_incident_channel(slack: Slack) -> None:
    """open, ack, ic, role, status, external, sev, phase, note, action, resolve, review, close."""
    await slack.run("open sev1 Checkout is failing")
    channel = slack.channel(1)
    here = {"channel": channel.id}

    async def say(text: str, user: str = SAM) -> str:
        reply = await slack.run(text, user=user, **here)
        assert reply.status == 200
        return channel.texts()[-1]

    assert "<@U0SAM> acknowledged in" in await say("ack")
    assert await say("ic <@U0SAM>") == "<@U0SAM> is incident commander."
    assert "IC: @sam" in channel.topic
    assert await say(f"role comms <@{LI}>") == "<@U0LI> is communications lead."
    assert await say(f"role responder <@{ANA}>") == "<@U0ANA> is responder."
    assert ANA in channel.members
    assert "Status update from <@U0SAM>: Rolled back" in await say("status Rolled back deploy")
    assert "External update from <@U0SAM>" in await say("update --external We are on it")
    assert "Severity raised SEV-1 → SEV-0" in await say("sev sev0")
    assert channel.topic.startswith("🔴 SEV-0 · detection")
    assert "Phase: detection → triage" in await say("phase triage")
    assert channel.topic.startswith("🔴 SEV-0 · triage")
    assert "Note from <@U0SAM>: Paused the nightly batch" in await say(
        "note Paused the nightly batch"
    )
    assert "Action item 1: Add an alert on 502s (owner <@U0SAM>)" in await say(
        f"action Add an alert on 502s <@{SAM}>"
    )
    assert "Action item 1 done" in await say("action done 1")
    assert "Resolved by <@U0SAM>" in await say("resolve Rolled back deploy 8812")
    assert "· resolution ·" in channel.topic

    await say("review")
    [upload] = [m for m in channel.messages if m.get("files")]
    assert upload["files"][0]["name"] == "incident-1-review.md"
    file_id = upload["files"][0]["id"]
    assert b"# " in slack.standin.uploads[file_id]["content"]

    await say("close")
    assert "needs its post-incident review" in slack.responses_to(SAM)[-1]
    assert "Review for #1 marked done" in await say("review done https://wiki.example.com/pir-1")
    assert "#1 closed by <@U0SAM>" in await say("close")

    announcements = slack.standin.channels["CINCIDENTS"].texts()
    assert len(announcements) == 3  # declared, severity change, resolved


async def test_queries_answer_ephemerally(slack: Slack) -> None:
    """timeline, list and help are answered to the asker only, in the ack itself: a read
    writes no inbox entry and needs no response_url POST after."""
    await slack.run("open sev2 Search latency in EU")
    channel = slack.channel(1).id
    timeline = await slack.run("timeline", user=SAM, channel=channel)
    assert timeline.body["response_type"] == "ephemeral"
    assert "Declared SEV-2: Search latency in EU" in timeline.text
    listed = await slack.run("list", user=SAM)
    assert listed.body["response_type"] == "ephemeral"
    assert "#1" in listed.text
    assert slack.responses_to(SAM) == []
    reply = await slack.command("help", user=SAM)
    assert reply.body["response_type"] == "ephemeral"
    assert "`/incident` commands" in reply.text


async def test_outside_the_channel_the_number_names_the_incident(slack: Slack) -> None:
    """`/incident status 1 …` from #general posts into #inc-1-…."""
    await slack.run("open sev2 Queue backlog")
    await slack.run("status 1 Draining the queue", user=SAM, channel="CGENERAL")
    assert "Status update from <@U0SAM>: Draining the queue" in slack.channel(1).texts()[-1]


async def test_errors_are_ephemeral_polite_and_say_what_is_valid(slack: Slack) -> None:
    """A parse error comes back in the ack; a domain error by response_url; nothing changes."""
    reply = await slack.command("open sev9 DB down")
    assert reply.body["response_type"] == "ephemeral"
    assert "Unknown severity `sev9`. Use sev0, sev1, sev2 or sev3" in reply.text
    await slack.run("open sev2 Disk full")
    channel = slack.channel(1)
    before = list(channel.messages)
    await slack.run("phase closed", user=MARIA, channel=channel.id)  # the declarer may move it
    assert "#1 is in detection; next can be triage" in slack.responses_to(MARIA)[-1]
    await slack.run("status", user=SAM, channel="CGENERAL")
    assert "Which incident?" in slack.responses_to(SAM)[-1]
    assert channel.messages == before


async def test_oncall_without_rotations_says_so(slack: Slack) -> None:
    """`/oncall` with no rotation configured: an ephemeral explanation of how to add one, a
    `[[rotation]]` with Slack member ids (the core's one wording)."""
    reply = await slack.run("", command="/oncall", user=MARIA)
    assert reply.status == 200
    answer = slack.responses_to(MARIA)[-1]
    assert "No on-call rotation is configured" in answer
    assert "[[rotation]]" in answer
    assert '"slack:U01ALICE"' in answer


async def test_oncall_is_handed_to_the_rotations(tmp_path: Path, standin: SlackStandIn) -> None:
    """With rotations configured, `/oncall …` goes to them and their reply comes back."""
    seen: list[tuple[str, str]] = []

    class Rotations:
        async def handle_text(
            self,
            text: str,
            *,
            actor: str,
            platform: str,
            channel_id: str | None = None,
            request_key: str | None = None,
            groups: frozenset[str] = frozenset(),
        ) -> Outcome:
            seen.append((text, actor))
            reply = Message(kind="reply", audience=Audience.REPLY, text=("sam is on call",))
            return Outcome(ok=True, reply=reply)

    async with running_slack(tmp_path, standin, oncall_commands=Rotations()) as slack:
        reply = await slack.run("who", command="/oncall", user=MARIA)
        assert reply.status == 200
        assert seen == [("who", "slack:U0MARIA")]
        assert slack.responses_to(MARIA)[-1] == "sam is on call"
